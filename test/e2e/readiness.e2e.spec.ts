import { eventually } from '../../libs/event-store/src/contract-suite';
import { PEOPLE, startTestApp, type TestApp } from './support/test-app';
import { bearer, expectProblem, openBody } from './support/scenario';

describe('GET /health/ready while no command can append', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ APPEND_STALL_MS: '300' });
  });
  afterAll(() => t?.close());

  it("answers 503 once a command's append has waited past APPEND_STALL_MS (and /metrics shows the wait), and 200 again once it is through", async () => {
    const { token, body } = await openBody(t, PEOPLE.walkthrough);
    await t.http().get('/health/ready').expect(200);
    const blocker = await t.db.pool.connect();
    try {
      // Reads of the events go on under this lock; no INSERT can (a commit that never returns looks the same).
      await blocker.query('BEGIN; LOCK TABLE events IN EXCLUSIVE MODE');
      const open = t.http().post('/v1/contracts').set(bearer(token)).send(body).then((res) => res);
      // The open reaches its append at some point after it is sent: ask until the wait shows.
      await eventually(async () => expect((await expectProblem(await t.http().get('/health/ready'), 503, 'SERVICE_UNAVAILABLE')).failing).toEqual(['eventStore']), 10_000);
      const waited = /^event_store_oldest_append_seconds (\S+)$/m.exec((await t.http().get('/metrics').expect(200)).text);
      expect(Number(waited?.[1])).toBeGreaterThan(0.3);
      await blocker.query('COMMIT');
      expect((await open).status).toBe(201);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
    await t.http().get('/health/ready').expect(200);
    expect((await t.http().get('/metrics').expect(200)).text).toMatch(/^event_store_oldest_append_seconds 0$/m);
  });
});
