import { randomUUID } from 'node:crypto';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { Pool } from 'pg';
import { PostgresEventStore, type NewEvent } from '@app/event-store';
import { createPool } from '@app/platform';
import { closedLoop } from './load';
import type { RunResult } from './stats';

/**
 * Three ways to durably store the same event, one per call, each call to a new stream, at the same
 * concurrency on the same server (each in its own database):
 * - the floor: one single-row INSERT per transaction into a copy of our events table (same row,
 *   same indexes), which no event store can beat;
 * - the peer: Emmett's PostgreSQL `appendToStream`;
 * - ours: `PostgresEventStore.append`, the adapter the service uses, without HTTP.
 */
export type AppendSubject = 'floor' | 'peer' | 'ours';

export interface AppendRun {
  url: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** The event every call stores, under a fresh id and stream. */
  event: NewEvent;
}

export async function measureAppends(subject: AppendSubject, run: AppendRun): Promise<RunResult & { firstError?: string }> {
  const subjects = { floor: floorAppender, peer: peerAppender, ours: ourAppender };
  const appender = await subjects[subject](run);
  try {
    return await closedLoop({ connections: run.connections, seconds: run.seconds, warmupSeconds: run.warmupSeconds, op: appender.append });
  } finally {
    await appender.close();
  }
}

interface Appender {
  append(): Promise<void>;
  close(): Promise<void>;
}

const freshStream = () => `contract-${randomUUID()}`;

async function floorAppender({ url, connections, event }: AppendRun): Promise<Appender> {
  const pool = createPool(url, { max: connections, applicationName: 'bench-floor' });
  const insert = await floorInserter(pool, event);
  return { append: insert, close: () => pool.end() };
}

/**
 * The floor's statement: `event` as one row per transaction into a copy of our events table (same
 * columns, primary key and unique indexes; positions from a sequence), under a fresh id and stream.
 */
export async function floorInserter(pool: Pool, event: NewEvent): Promise<() => Promise<void>> {
  await PostgresEventStore.create({ pool }).then((store) => store.close());
  await pool.query(`
    CREATE TABLE IF NOT EXISTS floor_events (LIKE events INCLUDING ALL);
    CREATE SEQUENCE IF NOT EXISTS floor_position OWNED BY floor_events.position;
    ALTER TABLE floor_events ALTER COLUMN position SET DEFAULT nextval('floor_position')`);
  const data = JSON.stringify(event.data);
  return async () => {
    const id = randomUUID();
    await pool.query({
      name: 'floor_insert',
      text: `INSERT INTO floor_events (stream_id, revision, event_id, type, version, data, metadata, occurred_at)
             VALUES ($1, 0, $2, $3, $4, $5, $6, $7)`,
      values: [freshStream(), id, event.type, event.version, data, JSON.stringify({ ...event.metadata, eventId: id }), event.metadata.occurredAt],
    });
  };
}

async function peerAppender({ url, connections, event }: AppendRun): Promise<Appender> {
  const pool = new Pool({ connectionString: url, max: connections, application_name: 'bench-peer' });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  return {
    append: async () => {
      await store.appendToStream(freshStream(), [{ type: event.type, data: event.data, metadata: { ...event.metadata, eventId: randomUUID() } }]);
    },
    close: async () => {
      await store.close();
      await pool.end().catch(() => undefined);
    },
  };
}

async function ourAppender({ url, connections, event }: AppendRun): Promise<Appender> {
  const pool = createPool(url, { max: connections, applicationName: 'bench-ours' });
  const store = await PostgresEventStore.create({ pool });
  return {
    append: async () => {
      const id = randomUUID();
      await store.append(freshStream(), [{ ...event, id, metadata: { ...event.metadata, eventId: id } }], 'no_stream');
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  };
}
