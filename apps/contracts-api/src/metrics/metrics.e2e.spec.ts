import { People, bearer, openOnline } from '../../../../test/e2e/support/scenario';
import { PEOPLE, startTestApp, type TestApp } from '../../../../test/e2e/support/test-app';

describe('GET /metrics (Prometheus)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const scrape = async () => (await t.http().get('/metrics').expect(200).expect('Content-Type', /^text\/plain/)).text;

  it('times requests by route pattern and counts commands by outcome, without a token', async () => {
    const { contract, token } = await openOnline(t, new People().next().nationalCode);
    await t.http().get(`/v1/contracts/${contract.id}`).set(bearer(token)).expect(200);
    const refused = t.token({ role: 'applicant', nationalCode: PEOPLE.ageLimit });
    await t.http().post('/v1/quotes').set(bearer(refused)).send({ requestedMonthlyPremium: 30_000_000 }).expect(422);
    await t.http().post('/v1/contracts').send({}).expect(401);
    await t.http().get('/no/such/route').expect(404);

    const text = await scrape();
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/contracts\/:id",status="200"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).toMatch(/commands_total\{command="POST \/v1\/contracts",outcome="accepted"\} 1/);
    expect(text).toMatch(/commands_total\{command="POST \/v1\/quotes",outcome="NOT_ELIGIBLE"\} 1/);
    expect(text).toMatch(/commands_total\{command="POST \/v1\/contracts",outcome="UNAUTHENTICATED"\} 1/);
    expect(text).not.toContain(contract.id); // raw URLs never become labels
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('reports projection progress: applied here (projection_owner 1)', async () => {
    const text = await scrape();
    expect(text).toMatch(/projection_owner\{projection="billing"\} 1/);
    expect(text).toMatch(/projection_lag_seconds\{projection="billing"\} \d/);
  });
});

describe('GET /metrics with PROJECTOR=off (the projector in its own process, as in docker-compose)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PROJECTOR: 'off' });
  });
  afterAll(() => t?.close());

  it('still reports every projection\'s checkpoint, head and lag, read from the database (projection_owner 0)', async () => {
    await openOnline(t, new People().next().nationalCode);
    const text = (await t.http().get('/metrics').expect(200)).text;
    for (const name of ['billing', 'eligibility', 'deadlines', 'dashboard', 'audit_chain', 'notifications']) {
      expect(text).toMatch(new RegExp(`projection_owner\\{projection="${name}"\\} 0`));
    }
    // Nothing applies them in this process: the head moved past the checkpoints, and the lag shows it.
    const head = Number(/projection_head_position\{projection="billing"\} (\d+)/.exec(text)![1]);
    expect(head).toBeGreaterThan(0);
    expect(text).toMatch(/projection_position\{projection="billing"\} 0/);
    expect(text).not.toMatch(/projection_failures\{/); // the owner's failures are not known here (not 0)
    expect(text).toMatch(/sms_messages\{status="pending"\} 0/); // no outbox yet: no messages, not a 500
    expect(text).toMatch(/^sms_due_messages 0$/m);
    expect(text).toMatch(/^sms_oldest_due_seconds 0$/m);
    expect(text).toMatch(/^deadlines_due 0$/m); // no schedule yet: nothing due, not a 500
    expect(Number(/projection_lag_seconds\{projection="billing"\} ([\d.e+-]+)/.exec(text)![1])).toBeGreaterThanOrEqual(0);
  });
});
