import type { Pool } from 'pg';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import type { EventStore } from './port';
import { PostgresEventStore } from './postgres/postgres-event-store';

/** This service's streams: KurrentDB reads `$all` through a server-side filter on them. */
export const SERVICE_STREAM_PREFIXES = ['contract-', 'insured-'];

/**
 * The one place an adapter is chosen (`EVENT_STORE`): every process (API, projector, scripts)
 * opens the store the same way. Read models stay in PostgreSQL (`pool`) whatever the choice.
 */
export async function openEventStore(options: { kind: 'postgres' | 'kurrentdb'; pool: Pool; kurrentDbUrl?: string; readOnly?: boolean }): Promise<EventStore> {
  if (options.kind === 'kurrentdb') {
    if (!options.kurrentDbUrl) throw new Error('EVENT_STORE=kurrentdb needs KURRENTDB_URL');
    return KurrentDbEventStore.connect(options.kurrentDbUrl, { streamPrefixes: SERVICE_STREAM_PREFIXES });
  }
  // A tool that only reads opens an existing store: a wrong DATABASE_URL is refused, not migrated into an empty store.
  return options.readOnly ? PostgresEventStore.open({ pool: options.pool }) : PostgresEventStore.create({ pool: options.pool });
}
