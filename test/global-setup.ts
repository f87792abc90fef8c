import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NON_DURABLE_SETTINGS, startEmbeddedPostgres, type RunningPostgres } from '../libs/platform/src/database';

/**
 * One PostgreSQL server per jest run, in a fresh folder on a free port, without fsync (its data
 * dies with the run). Workers inherit TEST_DATABASE_URL because they start after this sets it;
 * each test file then creates its own database on it (test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'jest-pg-'));
  const server = await startEmbeddedPostgres({ dataDir, port: 0, settings: { ...NON_DURABLE_SETTINGS, max_connections: '300' } });
  process.env.TEST_DATABASE_URL = server.url;
  (globalThis as { __testPostgres?: TestPostgres }).__testPostgres = { server, dataDir };
}

export interface TestPostgres {
  server: RunningPostgres;
  dataDir: string;
}
