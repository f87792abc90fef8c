// The contract suite is not exported here (it is test code): adapter specs import
// `libs/event-store/src/contract-suite` directly.
export * from './port';
export * from './ids';
export * from './upcasters';
export { InMemoryEventStore, type InMemoryEventStoreOptions } from './in-memory/in-memory-event-store';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store';
export { KurrentDbEventStore, type KurrentDbEventStoreOptions, type KurrentDbClient } from './kurrentdb/kurrentdb-event-store';
export { openEventStore, SERVICE_STREAM_PREFIXES } from './open-event-store';
export { AppendWatch } from './append-watch';
