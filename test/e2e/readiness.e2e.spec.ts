import { eventually } from '../../libs/event-store/src/contract-suite';
import { PEOPLE, startTestApp, type TestApp } from './support/test-app';
import { bearer, expectProblem, openBody } from './support/scenario';

describe('GET /health/ready while nothing can append', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ APPEND_STALL_MS: '300' });
  });
  afterAll(() => t?.close());

  /**
   * Sends `request` while the events table is locked: reads of the events go on, no INSERT can (a
   * commit that never returns looks the same). Readiness must turn 503 for the append it started;
   * `whileStalled` runs then, and the request's answer is returned once the lock is gone.
   */
  async function stalledAppend<T>(request: () => Promise<T>, whileStalled: () => Promise<void> = async () => {}): Promise<T> {
    const blocker = await t.db.pool.connect();
    try {
      await blocker.query('BEGIN; LOCK TABLE events IN EXCLUSIVE MODE');
      const answer = request();
      // The request reaches its append at some point after it is sent: ask until the wait shows.
      await eventually(async () => expect((await expectProblem(await t.http().get('/health/ready'), 503, 'SERVICE_UNAVAILABLE')).failing).toEqual(['eventStore']), 10_000);
      await whileStalled();
      await blocker.query('COMMIT');
      return await answer;
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
  }

  it("answers 503 once a command's append has waited past APPEND_STALL_MS (and /metrics shows the wait), and 200 again once it is through", async () => {
    const { token, body } = await openBody(t, PEOPLE.walkthrough);
    await t.http().get('/health/ready').expect(200);
    const open = await stalledAppend(
      async () => t.http().post('/v1/contracts').set(bearer(token)).send(body),
      async () => {
        const waited = /^event_store_oldest_append_seconds (\S+)$/m.exec((await t.http().get('/metrics').expect(200)).text);
        expect(Number(waited?.[1])).toBeGreaterThan(0.3);
      },
    );
    expect(open.status).toBe(201);
    await t.http().get('/health/ready').expect(200);
    expect((await t.http().get('/metrics').expect(200)).text).toMatch(/^event_store_oldest_append_seconds 0$/m);
  });

  it('answers 503 too while the inline read side cannot record a deadline that fell due, and 200 once it has', async () => {
    const { token, body } = await openBody(t, PEOPLE.eligible2);
    const opened = await t.http().post('/v1/contracts').set(bearer(token)).send(body).expect(201);
    expect(opened.body.paymentDeadline).toBe('2026-12-21');
    const ops = bearer(t.token({ role: 'ops' }));
    // Day 21 (Iran time): the unpaid contract's lapse is due; the clock move answers once it is recorded.
    const move = await stalledAppend(async () => t.http().put('/v1/_test/clock').set(ops).send({ now: '2026-12-21T20:31:00Z' }));
    expect(move.status).toBe(200);
    await t.http().get('/health/ready').expect(200);
    expect((await t.http().get(`/v1/contracts/${opened.body.id}`).set(bearer(token)).expect(200)).body.status).toBe('lapsed');
  });
});
