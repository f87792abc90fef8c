import { People, bearer, openBody, openOnline, pay } from '../../../../test/e2e/support/scenario';
import { startOpsApp, type OpsApp } from '../../../../test/browser/support/ops-app';

describe('GET /v1/dashboard/branches', () => {
  let t: OpsApp;
  const people = new People();
  let branchA: string;
  let branchB: string;
  const codes: string[] = [];

  beforeAll(async () => {
    t = await startOpsApp();
    const first = people.next();
    branchA = first.branchId;
    const second = people.nextOutside(branchA);
    branchB = second.branchId;
    codes.push(first.nationalCode, second.nationalCode, first.mobile, second.mobile);
    const { contract } = await openOnline(t, first.nationalCode);
    expect((await pay(t, contract)).status).toBe(201);
    await openOnline(t, second.nationalCode);
    await t.caughtUp();
  });
  afterAll(() => t?.close());

  const get = (token: string, query = '') => t.http().get(`/v1/dashboard/branches${query}`).set(bearer(token));

  it('gives ops every branch with counts, totals per province and in all, and the chart', async () => {
    const res = await get(t.token({ role: 'ops' })).expect(200);
    expect(res.headers['x-checkpoint']).toBe(res.body.checkpoint);
    expect(res.body).toMatchObject({ today: '2026-12-01', todayJalali: '1405/09/10', month: '1405-09', filters: { province: null, branch: null, period: null } });
    expect(res.body.totals).toMatchObject({ contracts: 2, openedToday: 2, openedThisMonth: 2, byStatus: { active: 1, awaiting_payment: 1 }, byChannel: { online: 2, branch: 0 }, smsFailures: 0 });
    expect(res.body.branches.map((b: { branchId: string }) => b.branchId).sort()).toEqual([branchA, branchB].sort());
    expect(res.body.provinces.reduce((sum: number, p: { contracts: number }) => sum + p.contracts, 0)).toBe(2);
    expect(res.body.openedPerDay).toHaveLength(30);
    expect(res.body.openedPerDay.at(-1)).toEqual({ date: '2026-12-01', dateJalali: '1405/09/10', count: 2 });
    // Counts only: nothing that names or identifies a person.
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/nationalCode|firstName|lastName|mobile/);
    for (const code of codes) expect(text).not.toContain(code);
  });

  it('shows a branch officer only their own branch, and refuses another', async () => {
    const officer = t.token({ role: 'branch_officer', branchId: branchA });
    const own = await get(officer).expect(200);
    expect(own.body.branches.map((b: { branchId: string }) => b.branchId)).toEqual([branchA]);
    expect(own.body.totals.contracts).toBe(1);
    expect(own.body.filters.branch).toBe(branchA);
    await get(officer, `?branch=${branchA}`).expect(200);
    const other = await get(officer, `?branch=${branchB}`).expect(403);
    expect(other.body.code).toBe('FORBIDDEN');
  });

  it('filters by branch, province and Jalali month', async () => {
    const ops = t.token({ role: 'ops' });
    expect((await get(ops, `?branch=${branchB}`).expect(200)).body.totals.contracts).toBe(1);
    const province = (await get(ops, `?branch=${branchA}`)).body.branches[0].provinceCode as string;
    const inProvince = await get(ops, `?province=${province}`).expect(200);
    expect(inProvince.body.branches.every((b: { provinceCode: string }) => b.provinceCode === province)).toBe(true);
    const aban = await get(ops, '?period=1405-08').expect(200);
    expect(aban.body.totals.contracts).toBe(0);
    expect(aban.body.openedPerDay).toHaveLength(30);
  });

  it("counts a branch's contracts for another province's applicant, and their SMS failures, in that province's row alone", async () => {
    const ops = t.token({ role: 'ops' });
    const before = (await get(ops).expect(200)).body;
    // An officer of branchA concludes for someone registered in another province.
    const provinceA = before.branches.find((b: { branchId: string }) => b.branchId === branchA).provinceCode as string;
    const applicant = people.nextOutside(branchA);
    expect(applicant.provinceCode).not.toBe(provinceA);
    const { body } = await openBody(t, applicant.nationalCode);
    const documents = [{ kind: 'identity', reference: 'ID-X' }];
    const officer = bearer(t.token({ role: 'branch_officer', branchId: branchA }));
    const opened = await t.http().post('/v1/branch/contracts').set(officer).send({ ...body, nationalCode: applicant.nationalCode, documents }).expect(201);
    await t.caughtUp();
    await t.db.pool.query(`UPDATE sms_outbox SET status = 'failed' WHERE message_id = (SELECT message_id FROM sms_outbox WHERE contract_id = $1 LIMIT 1)`, [opened.body.id]);
    const after = (await get(ops).expect(200)).body;
    const rows = after.branches.filter((b: { branchId: string }) => b.branchId === branchA);
    expect(rows.map((b: { provinceCode: string; contracts: number; smsFailures: number }) => [b.provinceCode, b.contracts, b.smsFailures]).sort()).toEqual(
      [[provinceA, 1, 0], [applicant.provinceCode, 1, 1]].sort(),
    );
    expect(after.totals.smsFailures).toBe(before.totals.smsFailures + 1);

    // All time, whatever the month: a month without contracts still shows the failures, beside zero counts.
    const empty = (await get(ops, '?period=1405-08').expect(200)).body;
    expect(empty.totals).toMatchObject({ contracts: 0, smsFailures: after.totals.smsFailures });
    expect(empty.branches.find((b: { branchId: string; provinceCode: string }) => b.branchId === branchA && b.provinceCode === applicant.provinceCode)).toMatchObject({
      contracts: 0,
      smsFailures: 1,
    });
    const officerView = (await get(t.token({ role: 'branch_officer', branchId: branchA }), '?period=1405-08').expect(200)).body;
    expect(officerView.totals).toMatchObject({ contracts: 0, smsFailures: 1 });
    expect(officerView.branches.map((b: { branchId: string }) => b.branchId)).toEqual([branchA]);
    const elsewhere = (await get(ops, `?period=1405-08&province=${provinceA}`).expect(200)).body;
    expect(elsewhere.totals.smsFailures).toBe(after.provinces.find((p: { provinceCode: string }) => p.provinceCode === provinceA).smsFailures);
  });

  it('refuses bad filters, other roles and no token', async () => {
    const ops = t.token({ role: 'ops' });
    const bad = await get(ops, '?period=1405-13&branch=%3Cscript%3E&province=abc').expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['branch', 'period', 'province']);
    await get(ops, '?province=12345').expect(400);
    await get(t.token({ role: 'auditor' })).expect(403);
    await get(t.token({ role: 'applicant', nationalCode: '0089216091' })).expect(403);
    await t.http().get('/v1/dashboard/branches').expect(401);
  });

  it('serves the page with a per-response nonce and no outside resources', async () => {
    const page = await t.http().get('/dashboard').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<html lang="fa" dir="rtl">');
    const nonce = /script-src 'nonce-([^']+)'/.exec(page.headers['content-security-policy'])![1];
    expect(page.text).toContain(`<script nonce="${nonce}">`);
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const again = await t.http().get('/dashboard').expect(200);
    expect(again.headers['content-security-policy']).not.toContain(nonce);
  });
});
