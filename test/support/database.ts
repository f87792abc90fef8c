import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { createPool, type PoolOptions } from '../../libs/platform/src/database';

export interface TestDatabase {
  url: string;
  pool: Pool;
  /** Ends the pool and drops the database (forcing out any connection still open). */
  drop(): Promise<void>;
}

/** A fresh, empty database on this jest worker's server, so test files never see each other's rows. */
export async function createTestDatabase(options: PoolOptions = {}): Promise<TestDatabase> {
  const serverUrl = process.env[`TEST_DATABASE_URL_${process.env.JEST_WORKER_ID ?? '1'}`] ?? process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set: run through jest (test/global-setup.ts)');
  const name = `test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), { max: 20, ...options });
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      await onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Resolves once a statement in this database waits on a lock another transaction holds: a race
 * set up by hand goes on only when its second party is really waiting (a fixed sleep could let
 * the first finish before, and the test would pass without the race it is about).
 */
export async function untilBlockedOnLock(pool: Pool, what: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (rows[0]!.n > 0) return;
    if (tries === 500) throw new Error(`${what} never waited on a lock`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
