import { idempotencyScope } from '../../apps/contracts-api/src/contracts/idempotency-scope';
import { openCommandId, openedContractId } from '../../apps/contracts-api/src/contracts/open-contract/open-ids';
import { deterministicId } from '../../libs/event-store/src/ids';
import { compareWithRebuild } from './support/converge';
import { call, tokenFor, type Answer } from './support/http';
import { LoadGenerator, type CommandRecord } from './support/load';
import { recordFigures } from './support/report';
import { startRig, type Rig } from './support/rig';
import { sleep } from './support/service';
import { verifyLedger } from './support/verify';

/** Longest any answer may take while the database is down: a slower one counts as a hang. */
const ANSWER_BOUND_MS = 5_000;
const OUTAGE_MS = 8_000;
/** How long the service may take to serve again once the database is back. */
const RECOVERY_BOUND_MS = 30_000;

interface Probe {
  at: number;
  what: 'ready' | 'open';
  status: number | 'no answer';
  code?: string;
  contentType?: string;
  ms: number;
}

describe('database restart under load', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig('db', 2_000);
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('answers 503 problem+json (not-ready, and for commands) promptly while PostgreSQL is down, recovers by itself, loses nothing', async () => {
    const { service, pg, pool, people } = rig;
    // The probes' people are set aside and quoted before the outage: an open needs the quote's figures.
    const probePeople = people.splice(0, 40);
    const terms = await call(service.baseUrl, 'GET', '/v1/terms', { token: tokenFor({ sub: 'probe', role: 'applicant', nationalCode: probePeople[0] }) });
    const openProbes = await Promise.all(probePeople.map((code) => openRequest(service.baseUrl, code, terms.body.version)));

    const load = new LoadGenerator({ baseUrl: service.baseUrl, people, concurrency: 6, drainMs: 45_000 });
    load.start();
    await sleep(3_000);

    await pg.stop();
    const downAt = performance.now();
    const probes: Probe[] = [];
    const sent: typeof openProbes = [];
    while (performance.now() - downAt < OUTAGE_MS && openProbes.length > 0) {
      const open = openProbes.shift()!;
      sent.push(open);
      const [ready, opened] = await Promise.all([probe('ready', () => call(service.baseUrl, 'GET', '/health/ready', { timeoutMs: 3 * ANSWER_BOUND_MS })), probe('open', open.send)]);
      probes.push(ready, opened);
      await sleep(250);
    }

    await pg.start();
    expect(service.crashes).toEqual([]);
    const upAt = performance.now();
    let readyAfterMs: number | undefined;
    while (performance.now() - upAt < RECOVERY_BOUND_MS) {
      const answer = await call(service.baseUrl, 'GET', '/health/ready').catch(() => undefined);
      if (answer?.status === 200) {
        readyAfterMs = Math.round(performance.now() - upAt);
        break;
      }
      await sleep(200);
    }
    // A client retries what got a 503 with the same key: each now succeeds, exactly once.
    const retried: CommandRecord[] = [];
    for (const open of sent) {
      const answer = await open.send();
      retried.push({ ...open.record, status: answer.status, code: answer.body?.code, attempts: 2 });
    }
    await sleep(2_000);
    await load.stop();

    const acked = [...load.acked, ...retried.filter((r) => r.status! < 300)];
    const rejected = [...load.rejected, ...retried.filter((r) => r.status! >= 300)];
    const ledger = await verifyLedger(pool, { acked, rejected, unresolved: load.unresolved });
    const projections = await compareWithRebuild(pool, rig.dataDir);
    const during = (what: Probe['what']) => probes.filter((p) => p.what === what);
    await recordFigures('database-restart', {
      outageMs: OUTAGE_MS,
      probes: probes.length,
      readyDuringOutage: summary(during('ready')),
      commandsDuringOutage: summary(during('open')),
      readyAfterRestartMs: readyAfterMs,
      retriedAfterRestart: summary(retried.map((r) => ({ status: r.status!, code: r.code, ms: 0 }))),
      load: { requests: load.requests, networkErrors: load.networkErrors, serverErrors: load.serverErrors, acknowledged: load.acked.length },
      ledger,
      projections,
    });

    expect(during('ready').length).toBeGreaterThan(5);
    for (const p of during('ready')) expect({ status: p.status, fast: p.ms < ANSWER_BOUND_MS }).toEqual({ status: 503, fast: true });
    for (const p of during('open')) {
      expect({ status: p.status, code: p.code, contentType: p.contentType, fast: p.ms < ANSWER_BOUND_MS }).toEqual({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        contentType: expect.stringMatching(/^application\/problem\+json/),
        fast: true,
      });
    }
    expect(readyAfterMs).toBeDefined();
    expect(retried.map((r) => r.status)).toEqual(retried.map(() => 201));
    // The background load saw the outage only as 503s (retried), never as another 5xx.
    expect(Object.keys(load.serverErrors).filter((key) => !key.startsWith('503 SERVICE_UNAVAILABLE '))).toEqual([]);
    expect(ledger.problems).toEqual([]);
    expect(ledger).toMatchObject({ lost: 0, duplicates: 0, writtenDespiteRefusal: 0 });
    for (const p of projections) expect({ projection: p.projection, differences: p.differences }).toEqual({ projection: p.projection, differences: 0 });
  });
});

/** A ready-to-send open for a person (quoted now), keyed so that retries land on the same contract. */
async function openRequest(baseUrl: string, nationalCode: string, termsVersion: string) {
  const sub = `probe-${nationalCode}`;
  const token = tokenFor({ sub, role: 'applicant', nationalCode });
  const quote = await call(baseUrl, 'POST', '/v1/quotes', { token, body: { requestedMonthlyPremium: 30_000_000 } });
  const key = `probe-open-${nationalCode}`;
  const commandId = openCommandId(deterministicId('command', idempotencyScope({ role: 'applicant', sub, nationalCode }), key), nationalCode);
  const body = {
    requestedMonthlyPremium: 30_000_000,
    acceptTerms: { version: termsVersion },
    confirm: { premiumRate: quote.body.premiumRate, wageBasis: quote.body.wageBasis, startDate: quote.body.startDate },
  };
  const record: CommandRecord = { kind: 'open', commandId, contractId: openedContractId(commandId), attempts: 0 };
  return {
    record,
    send: () => call(baseUrl, 'POST', '/v1/contracts', { token, body, headers: { 'idempotency-key': key }, timeoutMs: 3 * ANSWER_BOUND_MS }),
  };
}

async function probe(what: Probe['what'], send: () => Promise<Answer>): Promise<Probe> {
  const started = performance.now();
  try {
    const answer = await send();
    return { at: Date.now(), what, status: answer.status, code: answer.body?.code, contentType: answer.contentType, ms: Math.round(answer.ms) };
  } catch {
    return { at: Date.now(), what, status: 'no answer', ms: Math.round(performance.now() - started) };
  }
}

function summary(probes: Array<Pick<Probe, 'status' | 'code' | 'ms'>>) {
  const byAnswer: Record<string, number> = {};
  for (const p of probes) byAnswer[`${p.status} ${p.code ?? ''}`.trim()] = (byAnswer[`${p.status} ${p.code ?? ''}`.trim()] ?? 0) + 1;
  return { count: probes.length, byAnswer, maxMs: Math.max(0, ...probes.map((p) => p.ms)) };
}
