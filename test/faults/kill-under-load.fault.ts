import fc from 'fast-check';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '../../libs/platform/src/database';
import { compareWithRebuild } from './support/converge';
import { LoadGenerator } from './support/load';
import { startFaultPostgres, type FaultPostgres } from './support/postgres';
import { writeLoadRegistry } from './support/registry';
import { recordFigures, scratchDir, seedFromEnv } from './support/report';
import { ServiceProcess, sleep } from './support/service';
import { verifyLedger } from './support/verify';

const KILLS = Number(process.env.FAULTS_KILLS ?? 6);

describe('SIGKILL under load', () => {
  let pg: FaultPostgres;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let service: ServiceProcess;
  let pool: Pool;
  let people: string[];

  beforeAll(async () => {
    pg = await startFaultPostgres();
    scratch = await scratchDir('faults-kill-');
    const registryFile = join(scratch.path, 'registry.json');
    people = await writeLoadRegistry(registryFile, 5_000);
    service = await ServiceProcess.create({ databaseUrl: pg.url, dataDir: scratch.path, registryFile });
    await service.start();
    pool = createPool(pg.url, { max: 4, applicationName: 'fault-tests' });
  });

  afterAll(async () => {
    await service?.stop();
    await pool?.end();
    await pg?.destroy();
    await scratch?.remove();
  });

  it(`keeps every acknowledged command exactly once across ${KILLS} kills, and the projections equal a rebuild`, async () => {
    // Random moments between kills (1.5–5 s of load), reproducible from the printed seed.
    const pauses = fc.sample(fc.integer({ min: 1_500, max: 5_000 }), { seed: seedFromEnv(), numRuns: KILLS });
    const load = new LoadGenerator({ baseUrl: service.baseUrl, people, concurrency: 12, drainMs: 45_000, refuseEvery: 4 });
    load.start();
    const ackedAtKill: number[] = [];
    const restartMs: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(pauses[kill]!);
      ackedAtKill.push(load.acked.length);
      await service.kill();
      const started = performance.now();
      await service.start();
      restartMs.push(Math.round(performance.now() - started));
    }
    await sleep(3_000);
    await load.stop();

    const ledger = await verifyLedger(pool, load);
    const projections = await compareWithRebuild(pool, scratch.path);
    await recordFigures('kill-under-load', {
      kills: KILLS,
      starts: service.starts,
      peopleUsed: load.peopleUsed,
      requests: load.requests,
      networkErrors: load.networkErrors,
      serverErrors: load.serverErrors,
      acknowledgedByKind: countBy(load.acked.map((r) => r.kind)),
      refusedByCode: countBy(load.rejected.map((r) => `${r.kind} ${r.status} ${r.code}`)),
      ackedAtKill,
      restartMs,
      ledger,
      projections,
    });

    expect(ledger.problems).toEqual([]);
    expect(ledger).toMatchObject({ lost: 0, duplicates: 0, writtenDespiteRefusal: 0 });
    // The database stayed up: a restart must not surface as a 5xx, only as refused connections.
    expect(load.serverErrors).toEqual({});
    expect(service.starts).toBe(KILLS + 1);
    // The load really ran across the kills: commands were acknowledged before the last one, and refusals happened.
    expect(ackedAtKill[KILLS - 1]).toBeGreaterThan(0);
    expect(ledger.acknowledged).toBeGreaterThan(ackedAtKill[KILLS - 1]!);
    expect(load.rejected.length).toBeGreaterThan(0);
    for (const projection of projections) expect({ projection: projection.projection, differences: projection.differences, samples: projection.samples }).toEqual({ projection: projection.projection, differences: 0, samples: [] });
  });
});

function countBy(values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((counts, v) => ({ ...counts, [v]: (counts[v] ?? 0) + 1 }), {});
}
