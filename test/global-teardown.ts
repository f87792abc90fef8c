import { rm } from 'node:fs/promises';
import type { TestPostgres } from './global-setup';

/** Stops the run's PostgreSQL servers (global setup and teardown share the jest parent process) and removes their folders. */
export default async function globalTeardown(): Promise<void> {
  const testPostgres = (globalThis as { __testPostgres?: TestPostgres }).__testPostgres;
  if (!testPostgres) return;
  await Promise.all(testPostgres.servers.map((server) => server.stop()));
  await Promise.all(testPostgres.dataDirs.map((dataDir) => rm(dataDir, { recursive: true, force: true })));
}
