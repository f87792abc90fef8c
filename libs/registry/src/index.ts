export * from './port';
export * from './file-registry';
