export { dashboardProjection } from './dashboard.projection';
export * from './dashboard.queries';
