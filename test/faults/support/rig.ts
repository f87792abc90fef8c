import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '../../../libs/platform/src/database';
import { startFaultPostgres, type FaultPostgres } from './postgres';
import { writeLoadRegistry } from './registry';
import { scratchDir } from './report';
import { ServiceProcess } from './service';

/** What each fault test starts: its own PostgreSQL, a registry big enough for its load, the service. */
export interface Rig {
  pg: FaultPostgres;
  service: ServiceProcess;
  /** The service's DATA_DIR (the SMS file sink writes there). */
  dataDir: string;
  /** National codes of the registry, each eligible online without an exam. */
  people: string[];
  /** The test's own connections, to read what the service wrote. */
  pool: Pool;
  close(): Promise<void>;
}

export async function startRig(prefix: string, peopleCount: number, env: Record<string, string> = {}): Promise<Rig> {
  const pg = await startFaultPostgres();
  const scratch = await scratchDir(`faults-${prefix}-`);
  const registryFile = join(scratch.path, 'registry.json');
  const people = await writeLoadRegistry(registryFile, peopleCount);
  const service = await ServiceProcess.create({ databaseUrl: pg.url, dataDir: scratch.path, registryFile, env });
  await service.start();
  const pool = createPool(pg.url, { max: 4, applicationName: 'fault-tests' });
  return {
    pg,
    service,
    dataDir: scratch.path,
    people,
    pool,
    async close() {
      await service.stop();
      await pool.end();
      await pg.destroy();
      await scratch.remove();
    },
  };
}
