import { connect } from 'node:net';
import { PostgresEventStore } from '@app/event-store';
import { ConfigError, ManualClock } from '@app/platform';
import { billingProjection, startProjector, type Projector } from '@app/projections';
import { appendContracts } from '../../../libs/projections/src/testing/contracts';
import { waitFor } from '../../../libs/projections/src/testing/wait';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { startHealthServer, type HealthServer } from './health-server';

describe("the standalone projector's health and metrics", () => {
  let db: TestDatabase;
  let eventStore: PostgresEventStore;
  let projector: Projector;
  let health: HealthServer;
  /** How long this process's oldest append has waited, as its AppendWatch would say. */
  let appendWaitMs = 0;
  const appends = { oldestWaitMs: () => appendWaitMs };

  beforeEach(async () => {
    db = await createTestDatabase();
    eventStore = await PostgresEventStore.create({ pool: db.pool, idlePollMs: 50 });
    await appendContracts(eventStore, 3);
  });
  afterEach(async () => {
    await health.close();
    await projector.stop();
    await eventStore.close();
    await db.drop();
  });

  async function start() {
    projector = await startProjector({ pool: db.pool, eventStore, clock: new ManualClock(new Date()), log: () => undefined, projections: [billingProjection], deadlines: false, standbyPollMs: 50 });
    appendWaitMs = 0;
    health = await startHealthServer({ port: 0, host: '127.0.0.1', pool: db.pool, eventStore, projector, appends, appendStallMs: 10_000 });
  }
  const get = async (path: string, method = 'GET') => {
    const response = await fetch(`${health.url}${path}`, { method });
    return { status: response.status, text: await response.text() };
  };

  it('is live, ready once it owns its projections, and reports their progress to Prometheus', async () => {
    await start();
    expect(await get('/health/live')).toEqual({ status: 200, text: '{"status":"ok"}' });
    await waitFor(async () => (await projector.status())[0]!.caughtUp, 'billing to catch up');
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'ok', details: { database: { up: true }, eventStore: { up: true }, projections: { up: true, details: { billing: { role: 'owner', failures: 0 } } } } });
    const metrics = await get('/metrics');
    expect(metrics.text).toContain('projection_owner{projection="billing"} 1');
    expect(metrics.text).toContain('process_cpu_seconds_total');
    expect((await get('/v1/contracts')).status).toBe(404);
    const post = await fetch(`${health.url}/health/ready`, { method: 'POST' });
    expect({ status: post.status, allow: post.headers.get('allow') }).toEqual({ status: 405, allow: 'GET, HEAD' });
    // CONNECT never reaches the request handler: answered all the same, not dropped.
    const tunnel = await new Promise<string>((resolve) => {
      const { hostname, port } = new URL(health.url);
      const socket = connect(Number(port), hostname, () => socket.write(`CONNECT ${hostname}:443 HTTP/1.1\r\nHost: ${hostname}:443\r\n\r\n`));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    expect(tunnel).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n(.*\r\n)*Allow: GET, HEAD\r\n(.*\r\n)*\r\nGET only\n$/);
  });

  it('is not ready while a projection stands aside for newer code (its live tables are of a newer version)', async () => {
    await start();
    await waitFor(async () => (await projector.status())[0]!.caughtUp, 'billing to catch up');
    await projector.stop();
    await health.close();
    await db.pool.query('UPDATE projection_billing.checkpoint SET version = version + 1');

    await start();
    await waitFor(async () => (await projector.status())[0]!.role === 'superseded', 'billing to stand aside');
    const ready = await get('/health/ready');
    expect(ready.status).toBe(503);
    const details = JSON.parse(ready.text);
    expect(details).toMatchObject({ status: 'error', details: { projections: { up: false, details: { billing: { role: 'superseded' } } } } });
    expect(details.details.projections.details.billing).not.toHaveProperty('lastError'); // no error text on an open port
  });

  it('is not ready while the database does not answer', async () => {
    await start();
    const query = jest.spyOn(db.pool, 'query').mockRejectedValue(new Error('connection refused') as never);
    const ready = await get('/health/ready');
    query.mockRestore();
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'error', details: { database: { up: false, details: {} } } });
    expect(ready.text).not.toContain('connection refused'); // no driver text on an open port
  });

  it('is not ready while the database hangs: each check gets a few seconds, then counts as down', async () => {
    await start();
    // Past its start (which reads the store's head too), so that only the probe's calls hang below.
    await waitFor(async () => (await projector.status())[0]!.caughtUp, 'billing to catch up');
    // Only the readiness probe hangs: the runner's own statements still go through, so it can stop.
    // The event store and the projections hang too (both read the same database).
    const hang = () => new Promise(() => undefined);
    const ready = await withChecks({ database: hang, eventStore: hang, projections: hang }, () => get('/health/ready'));
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toMatchObject({ details: { database: { up: false }, eventStore: { up: false }, projections: { up: false } } });
  });

  it('runs its checks at once, not one after another (three hung ones would take three times as long)', async () => {
    await start();
    await waitFor(async () => (await projector.status())[0]!.caughtUp, 'billing to catch up');
    // Each check answers only once all three have begun: one after another, the first would wait
    // for the others until its time ran out, and the probe would say down.
    const begun = new Set<string>();
    let allBegun!: () => void;
    const together = new Promise<void>((resolve) => (allBegun = resolve));
    const answerTogether = (check: string, answer: unknown) => () => {
      begun.add(check);
      if (begun.size === 3) allBegun();
      return together.then(() => answer);
    };
    const ready = await withChecks(
      { database: answerTogether('database', { rows: [] }), eventStore: answerTogether('eventStore', 0n), projections: answerTogether('projections', []) },
      () => get('/health/ready'),
    );
    expect(ready.status).toBe(200);
  });

  it("is not ready while one of its appends (a deadline's) has waited past APPEND_STALL_MS, and shows the wait in /metrics", async () => {
    await start();
    await waitFor(async () => (await projector.status())[0]!.caughtUp, 'billing to catch up');
    appendWaitMs = 12_500;
    const stalled = await get('/health/ready');
    expect(stalled.status).toBe(503);
    expect(JSON.parse(stalled.text)).toMatchObject({ status: 'error', details: { database: { up: true }, eventStore: { up: false, details: { appendStalled: true } }, projections: { up: true } } });
    expect((await get('/metrics')).text).toMatch(/^event_store_oldest_append_seconds 12\.5$/m);
    appendWaitMs = 0;
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('/metrics')).text).toMatch(/^event_store_oldest_append_seconds 0$/m);
  });

  /** Runs `probe` with the readiness checks' calls answered by `checks` (the runner's own statements go through). */
  async function withChecks<T>(checks: Record<'database' | 'eventStore' | 'projections', () => unknown>, probe: () => Promise<T>): Promise<T> {
    const original = db.pool.query.bind(db.pool) as (...args: unknown[]) => unknown;
    const spies = [
      jest.spyOn(db.pool, 'query').mockImplementation(((...args: unknown[]) => (args[0] === 'SELECT 1' ? checks.database() : original(...args))) as never),
      jest.spyOn(eventStore, 'headPosition').mockImplementation(checks.eventStore as never),
      jest.spyOn(projector, 'status').mockImplementation(checks.projections as never),
    ];
    try {
      return await probe();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  it('refuses a port already taken as configuration (HOST, PORT), not with a stack trace', async () => {
    await start();
    const port = Number(new URL(health.url).port);
    const second = startHealthServer({ port, host: '127.0.0.1', pool: db.pool, eventStore, projector, appends, appendStallMs: 10_000 });
    await expect(second).rejects.toThrow(ConfigError);
    await expect(second).rejects.toThrow(`cannot listen on 127.0.0.1:${port} (HOST, PORT)`);
  });
});
