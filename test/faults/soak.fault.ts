import { call, tokenFor } from './support/http';
import { LoadGenerator } from './support/load';
import { recordFigures } from './support/report';
import { startRig, type Rig } from './support/rig';
import { sleep } from './support/service';
import { median, metricValues, slope } from './support/stats';
import { verifyLedger } from './support/verify';

/** 60 s in CI; `npm run test:faults -- --soak` sets 600. */
const SECONDS = Number(process.env.FAULTS_SOAK_SECONDS ?? 60);
const SAMPLE_MS = SECONDS > 120 ? 5_000 : 1_000;
/** JIT, pool growth and caches settle first: the slopes are taken after this share of the run. */
const WARM_UP = 0.2;

interface Sample {
  seconds: number;
  rssMb: number;
  /** p99 event-loop delay since the previous scrape (prom-client's monitorEventLoopDelay). */
  loopDelayP99Ms: number;
  /** The service's connections to PostgreSQL: pool, projection leases, LISTEN. */
  connections: number;
  /** The worst projection's lag. */
  projectionLagSeconds: number;
}

describe(`soak: ${SECONDS} s of mixed load`, () => {
  let rig: Rig;

  beforeAll(async () => {
    // A person per open: a quiet 2-core box opened 100 a second (session 14), exhausting 100 per second of soak.
    rig = await startRig('soak', Math.max(2_000, SECONDS * 250));
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('keeps memory, event-loop delay and connections flat and the projections close behind', async () => {
    const { service, pool } = rig;
    const load = new LoadGenerator({ baseUrl: service.baseUrl, people: rig.people, concurrency: 4, drainMs: 30_000 });
    load.start();
    let reading = true;
    const reads = readLoad(service.baseUrl, load, () => reading);

    const samples: Sample[] = [];
    const started = performance.now();
    while (performance.now() - started < SECONDS * 1_000) {
      await sleep(SAMPLE_MS);
      const metrics = await call(service.baseUrl, 'GET', '/metrics');
      const { rows } = await pool.query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = 'contracts-api'`);
      samples.push({
        seconds: (performance.now() - started) / 1_000,
        rssMb: (await service.rssBytes()) / 2 ** 20,
        loopDelayP99Ms: (metricValues(metrics.body, 'nodejs_eventloop_lag_p99_seconds')[0] ?? 0) * 1_000,
        connections: rows[0]!.count,
        projectionLagSeconds: Math.max(0, ...metricValues(metrics.body, 'projection_lag_seconds')),
      });
    }
    reading = false;
    await load.stop();
    const readCount = await reads;

    // Caught up soon after the load stops.
    let lagAfterStop = Infinity;
    for (let waited = 0; waited < 30_000 && lagAfterStop > 0; waited += 500) {
      lagAfterStop = Math.max(0, ...metricValues((await call(service.baseUrl, 'GET', '/metrics')).body, 'projection_lag_seconds'));
      if (lagAfterStop > 0) await sleep(500);
    }

    const settled = samples.filter((s) => s.seconds >= SECONDS * WARM_UP);
    const quarter = Math.max(1, Math.floor(settled.length / 4));
    const first = settled.slice(0, quarter);
    const last = settled.slice(-quarter);
    const perMinute = (pick: (s: Sample) => number) => slope(settled.map((s) => ({ x: s.seconds / 60, y: pick(s) })));
    const ledger = await verifyLedger(pool, load);
    const figures = {
      seconds: SECONDS,
      samples: samples.length,
      commandsAcknowledged: load.acked.length,
      reads: readCount,
      serverErrors: load.serverErrors,
      rssMb: { start: round(median(first.map((s) => s.rssMb))), end: round(median(last.map((s) => s.rssMb))), slopePerMinute: round(perMinute((s) => s.rssMb)) },
      loopDelayP99Ms: {
        start: round(median(first.map((s) => s.loopDelayP99Ms))),
        end: round(median(last.map((s) => s.loopDelayP99Ms))),
        slopePerMinute: round(perMinute((s) => s.loopDelayP99Ms)),
      },
      connections: { min: Math.min(...settled.map((s) => s.connections)), max: Math.max(...settled.map((s) => s.connections)), end: samples.at(-1)!.connections },
      projectionLagSeconds: { max: round(Math.max(...samples.map((s) => s.projectionLagSeconds))), afterStop: lagAfterStop },
      ledger: { lost: ledger.lost, duplicates: ledger.duplicates, writtenDespiteRefusal: ledger.writtenDespiteRefusal },
    };
    await recordFigures(SECONDS > 120 ? 'soak-long' : 'soak', figures);

    // Generous bounds that a leak or a stuck loop would break, never a speed.
    expect(load.acked.length).toBeGreaterThan(0);
    // The registry lasted the whole run (an exhausted one would leave the service idle).
    expect(load.peopleUsed).toBeLessThan(rig.people.length);
    expect(load.serverErrors).toEqual({});
    expect(figures.rssMb.end - figures.rssMb.start).toBeLessThan(150);
    expect(figures.rssMb.end).toBeLessThan(1_024);
    expect(figures.loopDelayP99Ms.end).toBeLessThan(1_000);
    // Pool (20) + a lease per projection + LISTEN, whatever the load; a leak keeps growing.
    expect(figures.connections.max).toBeLessThanOrEqual(32);
    expect(Math.max(...last.map((s) => s.connections))).toBeLessThanOrEqual(Math.max(...first.map((s) => s.connections)) + 4);
    expect(figures.projectionLagSeconds.max).toBeLessThan(30);
    expect(lagAfterStop).toBe(0);
    expect(ledger.problems).toEqual([]);
  });
});

/** Readers beside the commands: contract views, slips, eligibility and the dashboard, as auditors and ops. */
async function readLoad(baseUrl: string, load: LoadGenerator, going: () => boolean): Promise<number> {
  const auditor = tokenFor({ sub: 'soak-auditor', role: 'auditor' });
  const ops = tokenFor({ sub: 'soak-ops', role: 'ops' });
  let count = 0;
  while (going()) {
    const contract = load.acked.at(-1)?.contractId;
    const paths: Array<[string, string]> = [[ops, '/v1/dashboard/branches'], [ops, '/health/ready']];
    if (contract) paths.push([auditor, `/v1/contracts/${contract}`], [auditor, `/v1/contracts/${contract}/slips`], [auditor, `/v1/contracts/${contract}/events`]);
    for (const [token, path] of paths) {
      await call(baseUrl, 'GET', path, { token }).catch(() => undefined);
      count += 1;
    }
    await sleep(20);
  }
  return count;
}

const round = (value: number) => Math.round(value * 100) / 100;
