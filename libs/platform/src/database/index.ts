export * from './embedded-postgres';
export * from './migrations';
export * from './pool';
export * from './text';
export * from './reachable';
