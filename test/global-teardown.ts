import { rm } from 'node:fs/promises';
import type { TestPostgres } from './global-setup';

/** Stops the run's PostgreSQL (global setup and teardown share the jest parent process) and removes its folder. */
export default async function globalTeardown(): Promise<void> {
  const testPostgres = (globalThis as { __testPostgres?: TestPostgres }).__testPostgres;
  if (!testPostgres) return;
  await testPostgres.server.stop();
  await rm(testPostgres.dataDir, { recursive: true, force: true });
}
