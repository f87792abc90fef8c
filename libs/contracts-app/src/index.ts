export * from './contract-streams';
export * from './snapshots';
