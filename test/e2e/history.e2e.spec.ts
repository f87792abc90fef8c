import { PEOPLE, startTestApp, type TestApp } from './support/test-app';
import { bearer, expectProblem, openOnline, pay, People, type ContractView } from './support/scenario';

/**
 * A contract lived through five events at known instants of the manual clock; the auditor's
 * `state?revision=` and `state?asOf=` must give exactly the view the contract had then, the history
 * must be that prefix, and the printable document must read as a Persian contract.
 */
describe('e2e: history, state as of a time or revision, printable document', () => {
  let t: TestApp;
  let id: string;
  let contractNumber: string;
  const people = new People(Object.values(PEOPLE));
  /** views[n]: the contract view right after revision n; instants[n]: when revision n happened. */
  const views: ContractView[] = [];
  const instants = ['2026-12-01T08:00:00.000Z', '2026-12-01T10:00:00.000Z', '2026-12-03T08:00:00.000Z', '2026-12-05T08:00:00.000Z', '2026-12-10T08:00:00.000Z'];
  const auditor = () => bearer(t.token({ role: 'auditor' }));
  const state = (query: Record<string, string | number>) => t.http().get(`/v1/contracts/${id}/state`).query(query).set(auditor());

  beforeAll(async () => {
    t = await startTestApp();
    const snapshot = async () => views.push((await t.http().get(`/v1/contracts/${id}`).set(auditor()).expect(200)).body);

    const { token, contract } = await openOnline(t, people.next('required').nationalCode);
    ({ id, contractNumber } = contract);
    await snapshot();
    t.clock.set(new Date(instants[1]));
    await t.http().put(`/v1/contracts/${id}/wage`).set(bearer(token)).send({ requestedMonthlyPremium: 45_000_000 }).expect(200);
    await snapshot();
    t.clock.set(new Date(instants[2]));
    expect((await pay(t, views[1])).status).toBe(201);
    await snapshot();
    t.clock.set(new Date(instants[3]));
    await t.http().post(`/v1/contracts/${id}/exam/referral`).set(bearer(token)).expect(201);
    await snapshot();
    t.clock.set(new Date(instants[4]));
    await t.http().post(`/v1/contracts/${id}/exam/result`).set(bearer(t.token({ role: 'examiner' }))).send({ result: 'passed' }).expect(200);
    await snapshot();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the history is the ordered events with their revisions, instants and metadata', async () => {
    const res = await t.http().get(`/v1/contracts/${id}/events`).set(auditor()).expect(200);
    expect(res.body.items.map((e: { type: string }) => e.type)).toEqual(['ContractOpened', 'WageChanged', 'PaymentConfirmed', 'ExamReferralIssued', 'ExamResultRecorded']);
    res.body.items.forEach((event: { revision: number; metadata: Record<string, unknown> }, n: number) => {
      expect(event.revision).toBe(n);
      expect(event.metadata).toMatchObject({ occurredAt: instants[n], actor: { role: expect.any(String) }, correlationId: expect.any(String), commandId: expect.any(String) });
      expect(event.metadata.causationId).toBe(event.metadata.commandId);
    });
    expect(views.map((v) => v.revision)).toEqual([0, 1, 2, 3, 4]);
  });

  it("shows the owner their own history, with staff, banks and the system named by role only", async () => {
    const owner = bearer(t.token({ role: 'applicant', nationalCode: views[0].nationalCode }));
    const mine = (await t.http().get(`/v1/contracts/${id}/events`).set(owner).expect(200)).body.items;
    const audited = (await t.http().get(`/v1/contracts/${id}/events`).set(auditor()).expect(200)).body.items;
    expect(mine.map((e: { metadata: { actor: unknown } }) => e.metadata.actor)).toEqual(
      audited.map(({ metadata: { actor } }: { metadata: { actor: { sub: string; role: string } } }) => (actor.role === 'applicant' ? actor : { role: actor.role })),
    );
    expect(audited.map((e: { metadata: { actor: { role: string } } }) => e.metadata.actor.role)).toEqual(['applicant', 'applicant', 'bank', 'applicant', 'examiner']);
    expect(audited.every((e: { metadata: { actor: { sub?: string } } }) => typeof e.metadata.actor.sub === 'string')).toBe(true);
  });

  it.each([0, 1, 2, 3, 4])('state?revision=%i is the view right after that revision', async (n) => {
    const res = await state({ revision: n }).expect(200);
    expect(res.body).toEqual(views[n]);
  });

  it.each([0, 1, 2, 3, 4])('state?asOf= the instant of revision %i, and just before the next, is that view', async (n) => {
    expect((await state({ asOf: instants[n] }).expect(200)).body).toEqual(views[n]);
    const justBefore = new Date(new Date(n < 4 ? instants[n + 1] : '2027-01-01T00:00:00Z').getTime() - 1).toISOString();
    expect((await state({ asOf: justBefore }).expect(200)).body).toEqual(views[n]);
  });

  it('the views differ where the history says they should', () => {
    expect(views[1].wageBasis).toBeGreaterThan(views[0].wageBasis);
    expect([views[1].status, views[2].status]).toEqual(['awaiting_payment', 'active']);
    expect(views.slice(2).map((v) => v.exam.status)).toEqual(['pending', 'referred', 'passed']);
  });

  it('before the contract existed there is nothing: 404', async () => {
    expectProblem(await state({ asOf: '2026-12-01T07:59:59Z' }), 404, 'NOT_FOUND');
  });

  it('a revision the contract has not reached is 404 with the latest revision, not the latest view', async () => {
    for (const revision of ['5', '2147483648', '99999999999999999999']) {
      const res = await state({ revision });
      expectProblem(res, 404, 'NOT_FOUND');
      expect(res.body.latestRevision).toBe(4);
    }
  });

  it.each([
    ['neither asOf nor revision', {}],
    ['both asOf and revision', { asOf: instants[0], revision: 0 }],
    ['a negative revision', { revision: -1 }],
    ['a non-ISO asOf', { asOf: 'last tuesday' }],
    // Read in the server's own zone, the answer would depend on where it runs.
    ['an asOf without its offset', { asOf: '2026-12-05T12:30:00' }],
    // Date would read it as 2026-12-01.
    ['an asOf on a day that does not exist', { asOf: '2026-11-31T07:00:00Z' }],
    ['an asOf outside the Jalali years the service computes in', { asOf: '3000-01-01T00:00:00Z' }],
  ])('%s is VALIDATION_FAILED', async (_what, query) => {
    expectProblem(await state(query), 400, 'VALIDATION_FAILED');
  });

  it('says what an asOf must be: with its offset, on a day that exists, in the supported years', async () => {
    const body = expectProblem(await state({ asOf: '3000-01-01T00:00:00Z' }), 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([
      { field: 'asOf', message: expect.stringMatching(/with its offset .*on a day that exists, in the Jalali years 1210–1500$/), messageFa: expect.stringContaining('در سال‌های ۱۲۱۰ تا ۱۵۰۰ خورشیدی') },
    ]);
  });

  describe('the printable document', () => {
    let html: string;
    beforeAll(async () => {
      const owner = bearer(t.token({ role: 'applicant', nationalCode: views[0].nationalCode }));
      const res = await t.http().get(`/v1/contracts/${id}/document`).set(owner).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      html = res.text;
    });
    const persian = (s: string) => s.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]);
    const visibleText = () => html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ');

    it('is a right-to-left Persian page with print CSS', () => {
      expect(html).toMatch(/<html lang="fa" dir="rtl">/);
      expect(html).toContain('@media print');
    });

    it('shows the contract number and the Jalali contract date in Persian digits', () => {
      expect(contractNumber).toMatch(/^\d{10}$/);
      expect(html).toContain(persian(contractNumber));
      expect(html).toContain('۱۴۰۵/۰۹/۱۰');
    });

    it('shows the premium, the 20-day payment deadline and the exam obligation', () => {
      expect(html).toContain(persian(views[4].monthlyPremium.toLocaleString('en-US')).replace(/,/g, '٬'));
      expect(html).toContain('۱۴۰۵/۰۹/۳۰');
      expect(html).toContain('۲۰ روز');
      expect(html).toContain(persian(views[4].exam.deadlineJalali as string));
    });

    it('writes every number of its text in Persian digits', () => {
      expect(visibleText()).not.toMatch(/[0-9]/);
    });
  });
});
