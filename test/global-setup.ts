import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NON_DURABLE_SETTINGS, startEmbeddedPostgres, type RunningPostgres } from '../libs/platform/src/database';

export interface TestPostgres {
  servers: RunningPostgres[];
  dataDirs: string[];
}

/**
 * One PostgreSQL server per jest worker, in fresh folders on free ports, without fsync (the data
 * dies with the run). One per worker, not one per run, because transaction ids are cluster-wide:
 * the event store only shows events below the oldest running transaction, so a test holding a
 * transaction open (or hammering appends) in one worker would delay what readAll shows in the
 * other. Workers inherit the URLs because they start after this sets them; each test file then
 * creates its own database on its worker's server (test/support/database.ts).
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const count = Math.max(1, globalConfig.maxWorkers);
  const dataDirs = await Promise.all(Array.from({ length: count }, () => mkdtemp(join(tmpdir(), 'jest-pg-'))));
  const servers = await Promise.all(
    dataDirs.map((dataDir) =>
      startEmbeddedPostgres({ dataDir, port: 0, settings: { ...NON_DURABLE_SETTINGS, max_connections: '300' } }),
    ),
  );
  servers.forEach((server, index) => {
    process.env[`TEST_DATABASE_URL_${index + 1}`] = server.url;
  });
  process.env.TEST_DATABASE_URL = servers[0]!.url;
  (globalThis as { __testPostgres?: TestPostgres }).__testPostgres = { servers, dataDirs };
}
