export * from './database';
export * from './clock';
export * from './config';
export * from './process';
export * from './canonical-json';
export * from './listen';
export * from './within';
