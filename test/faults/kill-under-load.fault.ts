import fc from 'fast-check';
import { compareWithRebuild } from './support/converge';
import { LoadGenerator } from './support/load';
import { recordFigures, seedFromEnv } from './support/report';
import { startRig, type Rig } from './support/rig';
import { sleep } from './support/service';
import { verifyLedger } from './support/verify';

const KILLS = Number(process.env.FAULTS_KILLS ?? 6);

describe('SIGKILL under load', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig('kill', 5_000);
  });

  afterAll(async () => {
    await rig?.close();
  });

  it(`keeps every acknowledged command exactly once across ${KILLS} kills, and the projections equal a rebuild`, async () => {
    // Random moments between kills (1.5–5 s of load), reproducible from the printed seed.
    const pauses = fc.sample(fc.integer({ min: 1_500, max: 5_000 }), { seed: seedFromEnv(), numRuns: KILLS });
    const { service, pool } = rig;
    const load = new LoadGenerator({ baseUrl: service.baseUrl, people: rig.people, concurrency: 12, drainMs: 45_000, refuseEvery: 4 });
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
    const projections = await compareWithRebuild(pool, rig.dataDir);
    await recordFigures('kill-under-load', {
      kills: KILLS,
      starts: service.starts,
      peopleUsed: load.peopleUsed,
      requests: load.requests,
      networkErrors: load.networkErrors,
      serverErrors: load.serverErrors,
      acknowledgedByKind: countBy(load.acked.map((r) => r.kind)),
      refusedByCode: countBy(load.rejected.map((r) => `${r.kind} ${r.status} ${r.code}`)),
      unresolvedBecause: countBy(load.unresolved.map((r) => `${r.kind} ${r.lastFailure}`)),
      ackedAtKill,
      restartMs,
      ledger,
      projections,
    });

    expect(ledger.problems).toEqual([]);
    expect(ledger).toMatchObject({ lost: 0, duplicates: 0, writtenDespiteRefusal: 0 });
    // The database stayed up: a restart must not surface as a 5xx, only as refused connections.
    expect(load.serverErrors).toEqual({});
    expect(service.crashes).toEqual([]);
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
