export * from './contract-streams';
