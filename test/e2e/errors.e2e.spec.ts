import { createHmac } from 'node:crypto';
import { PEOPLE, REFERENCE_INSTANT, TEST_SECRET, startTestApp, type TestApp } from './support/test-app';
import { bearer, examContract, expectProblem, openBody, openOnline, pay, People, settledHead, storedEventCount } from './support/scenario';

const MULTI_REASON = '1754395015';
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Every error code of API.md's Errors section, produced over HTTP with its status and problem body. */
describe('e2e: every error code', () => {
  let t: TestApp;
  const people = new People([...Object.values(PEOPLE), MULTI_REASON]);
  const applicant = (nationalCode: string) => bearer(t.token({ role: 'applicant', nationalCode }));

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("422 REGISTRY_DATA_INVALID: a registry date after the contract date is the record's fault, not the request's", async () => {
    // The walkthrough person's last contribution is 2026-11-01: on 2026-10-15 it lies in the future.
    t.clock.set(new Date('2026-10-15T08:00:00Z'));
    try {
      const res = await t.http().post('/v1/quotes').set(applicant(PEOPLE.walkthrough)).send({ requestedMonthlyPremium: 30_000_000 });
      const problem = expectProblem(res, 422, 'REGISTRY_DATA_INVALID');
      expect(problem).toMatchObject({ fields: ['lastContributionDate'] });
      expect(problem.errors).toBeUndefined();
    } finally {
      t.clock.set(new Date(REFERENCE_INSTANT));
    }
  });

  describe('422 NOT_ELIGIBLE names its reasons', () => {
    it.each([
      [PEOPLE.insufficientHistory, ['INSUFFICIENT_HISTORY']],
      [PEOPLE.ageLimit, ['AGE_LIMIT']],
      [PEOPLE.currentlyInsured, ['CURRENTLY_INSURED']],
      [PEOPLE.notMainInsured, ['NOT_MAIN_INSURED']],
      [PEOPLE.selfEmployed, ['SELF_EMPLOYED_CONTRACT']],
      [MULTI_REASON, ['INSUFFICIENT_HISTORY', 'AGE_LIMIT', 'CURRENTLY_INSURED', 'SELF_EMPLOYED_CONTRACT']],
    ])('quote for %s → %j', async (nationalCode, reasons) => {
      const res = await t.http().post('/v1/quotes').set(applicant(nationalCode)).send({ requestedMonthlyPremium: 30_000_000 });
      const problem = expectProblem(res, 422, 'NOT_ELIGIBLE');
      expect([...(problem.reasons as string[])].sort()).toEqual([...reasons].sort());
    });

    it('an online open is refused the same way, and nothing is appended', async () => {
      const head = await settledHead(t);
      const body = {
        requestedMonthlyPremium: 30_000_000,
        acceptTerms: { version: 'any' },
        confirm: { premiumRate: 0.27, wageBasis: 111_111_111, startDate: '2026-12-01' },
      };
      const res = await t.http().post('/v1/contracts').set(applicant(MULTI_REASON)).send(body);
      expect(expectProblem(res, 422, 'NOT_ELIGIBLE').reasons).toHaveLength(4);
      expect(await t.runtime.eventStore.headPosition()).toBe(head);
    });
  });

  it('422 WAGE_OUT_OF_RANGE carries minPremium and maxPremium, in both details', async () => {
    const token = applicant(PEOPLE.walkthrough);
    for (const requestedMonthlyPremium of [1, 999_999_999_999]) {
      const res = await t.http().post('/v1/quotes').set(token).send({ requestedMonthlyPremium });
      const problem = expectProblem(res, 422, 'WAGE_OUT_OF_RANGE');
      expect(problem.minPremium).toEqual(expect.any(Number));
      expect(problem.maxPremium).toBeGreaterThan(problem.minPremium as number);
      expect(problem.detail).toContain((problem.minPremium as number).toLocaleString('en-US'));
      expect(problem.detailFa).toContain((problem.maxPremium as number).toLocaleString('fa-IR'));
    }
  });

  it('422 QUOTE_MISMATCH when the confirmed rate, wage basis or start date differ', async () => {
    const { token, body } = await openBody(t, people.next().nationalCode);
    for (const confirm of [
      { ...body.confirm, premiumRate: 0.3 },
      { ...body.confirm, wageBasis: body.confirm.wageBasis + 1 },
      { ...body.confirm, startDate: '2026-12-22' },
    ]) {
      expectProblem(await t.http().post('/v1/contracts').set(bearer(token)).send({ ...body, confirm }), 422, 'QUOTE_MISMATCH');
    }
  });

  it('422 TERMS_NOT_ACCEPTED without acceptance or with another version', async () => {
    const { token, body } = await openBody(t, people.next().nationalCode);
    const { acceptTerms: _accepted, ...withoutTerms } = body;
    expectProblem(await t.http().post('/v1/contracts').set(bearer(token)).send(withoutTerms), 422, 'TERMS_NOT_ACCEPTED');
    expectProblem(await t.http().post('/v1/contracts').set(bearer(token)).send({ ...body, acceptTerms: { version: '1399-01' } }), 422, 'TERMS_NOT_ACCEPTED');
  });

  it('422 EXAM_UNDERTAKING_REQUIRED when a non-exempt applicant does not undertake the exam', async () => {
    const { token, body } = await openBody(t, people.next('required').nationalCode);
    const res = await t.http().post('/v1/contracts').set(bearer(token)).send({ ...body, examUndertaking: false });
    expectProblem(res, 422, 'EXAM_UNDERTAKING_REQUIRED');
    // The deadline from the policy in force (2 Jalali months from 1405/09/10), not a literal in the text.
    expect([res.body.examDeadline, res.body.detail, res.body.detailFa]).toEqual([
      '2027-01-30',
      expect.stringContaining('by 2027-01-30'),
      expect.stringContaining('تا ۱۴۰۵/۱۱/۱۰'),
    ]);
  });

  it.each([
    ['a 16-year-old', PEOPLE.minor16],
    ['a person under guardianship', PEOPLE.guardianship],
  ])('422 BRANCH_VISIT_REQUIRED online for %s', async (_who, nationalCode) => {
    const { token, body } = await openBody(t, nationalCode);
    expectProblem(await t.http().post('/v1/contracts').set(bearer(token)).send(body), 422, 'BRANCH_VISIT_REQUIRED');
  });

  it('422 WAGE_CHANGE_NOT_ALLOWED after the first payment', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    expect((await pay(t, contract)).status).toBe(201);
    const res = await t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).send({ requestedMonthlyPremium: 40_000_000 });
    expectProblem(res, 422, 'WAGE_CHANGE_NOT_ALLOWED');
  });

  it('422 PAYMENTS_BLOCKED for periods beyond the exam window before the exam is passed: to the bank, the period and not the medical reason', async () => {
    const { contract } = await examContract(t, people, 'paid');
    const problem = expectProblem(await pay(t, contract, 12), 422, 'PAYMENTS_BLOCKED');
    expect(problem.period).toMatch(/^\d{4}-\d{2}$/);
    expect(problem).toMatchObject({ detail: expect.stringContaining(`Periods from ${problem.period} on cannot be paid yet`), detailFa: expect.stringContaining('به شعبه مراجعه کند') });
    expect(problem).not.toHaveProperty('reason');
    expect(problem).not.toHaveProperty('examDeadline');
    expect(`${problem.detail} ${problem.detailFa}`).not.toMatch(/exam|معاین/i);
  });

  it('422 AMOUNT_MISMATCH unless amount = periods × premium exactly', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const res = await t
      .http()
      .post('/v1/payments')
      .set(bank)
      .send({ contractId: contract.id, periods: 2, amount: contract.monthlyPremium * 2 + 1, bankReference: 'AMT-1', paidAt: t.clock.now().toISOString() });
    expectProblem(res, 422, 'AMOUNT_MISMATCH');
  });

  it('422 PAID_AT_IMPLAUSIBLE for a paidAt more than 5 minutes after now or before the contract date', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const send = (bankReference: string, paidAt: string) =>
      t.http().post('/v1/payments').set(bank).send({ contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference, paidAt });
    const latest = t.clock.now().getTime() + 5 * 60_000;
    const future = expectProblem(await send('PAID-AT-1', new Date(latest + 1).toISOString()), 422, 'PAID_AT_IMPLAUSIBLE');
    expect(future).toMatchObject({ reason: 'in_the_future', detail: expect.stringContaining('5 minutes'), detailFa: expect.stringContaining('۵ دقیقه') });
    // Contract date 2026-12-01 began at 00:00 Iran time, 2026-11-30T20:30Z.
    const early = expectProblem(await send('PAID-AT-2', '2026-11-30T20:29:59.999Z'), 422, 'PAID_AT_IMPLAUSIBLE');
    expect(early).toMatchObject({ reason: 'before_contract_date', earliestPaidAt: '2026-11-30T20:30:00.000Z', contractDate: contract.contractDate });
    expect((await send('PAID-AT-3', new Date(latest).toISOString())).status).toBe(201);
  });

  it('422 EXAM_NOT_REQUIRED: no referral for an exempt contract', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    expectProblem(await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token)), 422, 'EXAM_NOT_REQUIRED');
  });

  it('422 EXAM_STEP_NOT_ALLOWED: no referral before the first premium is paid, and it says so', async () => {
    const { token, contract } = await openOnline(t, people.next('required').nationalCode);
    const problem = expectProblem(await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token)), 422, 'EXAM_STEP_NOT_ALLOWED');
    expect(problem).toMatchObject({ reason: 'first_payment_missing', detail: expect.stringContaining('first premium'), detailFa: expect.stringContaining('نخستین حق بیمه') });
  });

  it('422 CONTRACT_NOT_ACTIVE on a terminated contract', async () => {
    const { token, contract } = await examContract(t, people, 'failed');
    await t
      .http()
      .post(`/v1/contracts/${contract.id}/exam/determination`)
      .set(bearer(t.token({ role: 'branch_officer', branchId: contract.branchId })))
      .send({ outcome: 'rejected', note: 'رد' })
      .expect(200);
    const problem = expectProblem(await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token)), 422, 'CONTRACT_NOT_ACTIVE');
    expect(problem).toMatchObject({ status: 422, contractStatus: 'terminated' });
    // A bank is not told that the exam was rejected (the only way a contract is terminated).
    const toBank = expectProblem(await pay(t, contract, 1), 422, 'CONTRACT_NOT_ACTIVE');
    expect(toBank).not.toHaveProperty('contractStatus');
  });

  it('409 ACTIVE_CONTRACT_EXISTS for a second contract of the same person', async () => {
    const person = people.next().nationalCode;
    const { contract } = await openOnline(t, person);
    const { token, body } = await openBody(t, person);
    // It names the contract held: a portal that lost its 201 and retried under a new key finds it.
    expect(expectProblem(await t.http().post('/v1/contracts').set(bearer(token)).send(body), 409, 'ACTIVE_CONTRACT_EXISTS').contractId).toBe(contract.id);
  });

  it("409 ACTIVE_CONTRACT_EXISTS names the contract to an officer of its branch only: another branch's is not theirs to know of", async () => {
    const person = people.next();
    const { contract } = await openOnline(t, person.nationalCode);
    const { body } = await openBody(t, person.nationalCode);
    const atCounter = (branchId: string) =>
      t.http().post('/v1/branch/contracts').set(bearer(t.token({ role: 'branch_officer', branchId }))).send({ ...body, nationalCode: person.nationalCode, documents: [] });
    expect(expectProblem(await atCounter(person.branchId), 409, 'ACTIVE_CONTRACT_EXISTS').contractId).toBe(contract.id);
    expect(expectProblem(await atCounter('9999'), 409, 'ACTIVE_CONTRACT_EXISTS')).not.toHaveProperty('contractId');
  });

  it('412 PRECONDITION_FAILED for a stale If-Match', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    const res = await t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).set('If-Match', '"3"').send({ requestedMonthlyPremium: 40_000_000 });
    expectProblem(res, 412, 'PRECONDITION_FAILED');
  });

  it('If-Match compares strongly: a weak tag or one never sent never matches (412); a list matches any of its tags; * any revision', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    const change = (ifMatch: string, requestedMonthlyPremium: number, id = contract.id) =>
      t.http().put(`/v1/contracts/${id}/wage`).set(bearer(token)).set('If-Match', ifMatch).send({ requestedMonthlyPremium });
    for (const never of ['W/"0"', '"00"', 'W/"0", "7"']) {
      const body = expectProblem(await change(never, 40_000_000), 412, 'PRECONDITION_FAILED');
      expect(body.currentRevision).toBe(0);
    }
    expect(expectProblem(await change('W/"0"', 40_000_000), 412, 'PRECONDITION_FAILED').reason).toBe('tag_never_matches');
    // The precondition is judged on a contract that exists and is the caller's: else the usual 404.
    expectProblem(await change('W/"0"', 40_000_000, '00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
    // Empty list elements are ignored (RFC 9110, 5.6.1); a tag may hold a comma.
    const listed = await change('"5", , "0",', 40_000_000);
    expect([listed.status, listed.headers.etag]).toEqual([200, '"1"']);
    expect(expectProblem(await change('"a,b"', 40_500_000), 412, 'PRECONDITION_FAILED').reason).toBe('tag_never_matches');
    // A bare revision, which earlier versions took, still is one.
    const bare = await change('1', 41_000_000);
    expect([bare.status, bare.headers.etag]).toEqual([200, '"2"']);
    const any = await change('*', 42_000_000);
    expect([any.status, any.headers.etag]).toEqual([200, '"3"']);
  });

  it('409 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    const url = `/v1/contracts/${contract.id}/wage`;
    await t.http().put(url).set(bearer(token)).set('Idempotency-Key', 'wage-1').send({ requestedMonthlyPremium: 40_000_000 }).expect(200);
    const res = await t.http().put(url).set(bearer(token)).set('Idempotency-Key', 'wage-1').send({ requestedMonthlyPremium: 45_000_000 });
    expectProblem(res, 409, 'IDEMPOTENCY_KEY_REUSED');
  });

  describe('404 NOT_FOUND', () => {
    const unknownId = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
    it('an unknown contract', async () => {
      expectProblem(await t.http().get(`/v1/contracts/${unknownId}`).set(bearer(t.token({ role: 'auditor' }))), 404, 'NOT_FOUND');
    });
    it('a command on an unknown contract', async () => {
      const res = await t.http().put(`/v1/contracts/${unknownId}/wage`).set(applicant(PEOPLE.walkthrough)).send({ requestedMonthlyPremium: 30_000_000 });
      expectProblem(res, 404, 'NOT_FOUND');
    });
    it('an unknown route', async () => {
      expectProblem(await t.http().get('/v1/nothing-here').set(bearer(t.token({ role: 'auditor' }))), 404, 'NOT_FOUND');
    });
    it('a person the registry does not know, said so', async () => {
      const notInRegistry = '0000000019'; // a valid national code, nobody's in the sample registry
      const quote = await t.http().post('/v1/quotes').set(applicant(notInRegistry)).send({ requestedMonthlyPremium: 30_000_000 });
      expect(expectProblem(quote, 404, 'NOT_FOUND')).toMatchObject({ reason: 'not_in_registry', detail: 'No person with this national code is in the civil registry.' });
      const officer = bearer(t.token({ role: 'branch_officer', branchId: '1299' }));
      const open = await t.http().post('/v1/branch/contracts').set(officer).send({ nationalCode: notInRegistry, requestedMonthlyPremium: 30_000_000, acceptTerms: { version: 'x' }, confirm: { premiumRate: 0.14, wageBasis: 1, startDate: '2026-12-01' }, documents: [] });
      expect(expectProblem(open, 404, 'NOT_FOUND')).toMatchObject({ reason: 'not_in_registry' });
      // A missing contract is not a missing person.
      expect(expectProblem(await t.http().get(`/v1/contracts/${unknownId}`).set(bearer(t.token({ role: 'auditor' }))), 404, 'NOT_FOUND').reason).toBeUndefined();
    });
  });

  describe('405 METHOD_NOT_ALLOWED names the methods the path has', () => {
    const id = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
    it.each([
      ['DELETE', `/v1/contracts/${id}`, 'GET, HEAD'],
      ['PUT', '/v1/contracts', 'GET, HEAD, POST'],
      ['GET', `/v1/contracts/${id}/wage`, 'PUT'],
      ['POST', '/health/ready?x=1', 'GET, HEAD'],
    ])('%s %s', async (method, path, allow) => {
      const res = await t.http()[method.toLowerCase() as 'get'](path).set(bearer(t.token({ role: 'auditor' })));
      expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe(allow);
    });
    it('a path no method has stays a 404', async () => {
      expectProblem(await t.http().delete('/v1/nothing-here').set(bearer(t.token({ role: 'auditor' }))), 404, 'NOT_FOUND');
    });
  });

  describe('400 VALIDATION_FAILED lists the field problems', () => {
    const token = () => applicant(PEOPLE.walkthrough);
    it.each([
      ['an unknown field', { requestedMonthlyPremium: 30_000_000, nationalCode: '0089216091' }, 'nationalCode'],
      ['a missing field', {}, 'requestedMonthlyPremium'],
      ['a fractional rial', { requestedMonthlyPremium: 30_000_000.5 }, 'requestedMonthlyPremium'],
      ['a string for a number', { requestedMonthlyPremium: '30000000' }, 'requestedMonthlyPremium'],
    ])('%s', async (_what, body, field) => {
      const problem = expectProblem(await t.http().post('/v1/quotes').set(token()).send(body), 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining(field), message: expect.any(String) })]));
    });
    it('a nested field of the open body', async () => {
      const res = await t.http().post('/v1/contracts').set(token()).send({ requestedMonthlyPremium: 30_000_000, confirm: { premiumRate: 0.27, wageBasis: 1, startDate: 'tomorrow' } });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'confirm.startDate' })]));
    });
    it.each([
      ['missing', undefined],
      ['an array', [{ premiumRate: 0.27, wageBasis: 111_111_111, startDate: '2026-12-01' }]],
      ['a string', '0.27'],
    ])('the confirmed quote %s', async (_what, confirm) => {
      const res = await t.http().post('/v1/contracts').set(token()).send({ requestedMonthlyPremium: 30_000_000, acceptTerms: { version: 'v' }, confirm });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'confirm' })]));
    });
    it('a NUL in the address: refused before anything is written, so the corrected open goes through', async () => {
      const { nationalCode } = people.next();
      const { token, body } = await openBody(t, nationalCode);
      const before = await storedEventCount(t);
      const res = await t.http().post('/v1/contracts').set(bearer(token)).send({ ...body, corrections: { address: 'تهران\u0000' } });
      expect(expectProblem(res, 400, 'VALIDATION_FAILED').errors).toEqual([expect.objectContaining({ field: 'corrections.address' })]);
      expect(await storedEventCount(t)).toBe(before);
      await t.http().post('/v1/contracts').set(bearer(token)).send({ ...body, corrections: { address: 'تهران' } }).expect(201);
    });
    it('a blank corrected address: the domain refuses it, naming the body field', async () => {
      const { nationalCode } = people.next();
      const { token, body } = await openBody(t, nationalCode);
      const res = await t.http().post('/v1/contracts').set(bearer(token)).send({ ...body, corrections: { address: '   ' } });
      expect(expectProblem(res, 400, 'VALIDATION_FAILED').errors).toEqual([{ field: 'corrections.address', message: 'the address must not be empty', messageFa: 'نشانی نباید خالی باشد' }]);
    });
    it('a malformed If-Match: not a list of entity tags', async () => {
      const { token: owner, contract } = await openOnline(t, people.next().nationalCode);
      for (const ifMatch of ['yesterday', '"0', ',', ' , ', 'W/0', '"0" "1"']) {
        const res = await t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(owner)).set('If-Match', ifMatch).send({ requestedMonthlyPremium: 40_000_000 });
        expectProblem(res, 400, 'VALIDATION_FAILED');
      }
    });
    it('a contract id that is not a UUID, named as the field at fault', async () => {
      for (const path of ['/v1/contracts/123', '/v1/contracts/123/events', '/v1/contracts/not-a-uuid/state?revision=0']) {
        const body = expectProblem(await t.http().get(path).set(bearer(t.token({ role: 'auditor' }))), 400, 'VALIDATION_FAILED');
        expect(body.errors).toEqual([{ field: 'id', message: 'id must be a UUID', messageFa: '«id» باید شناسه‌ای به شکل UUID باشد' }]);
      }
    });
    it('malformed JSON is a 400 problem too', async () => {
      const res = await t.http().post('/v1/quotes').set(token()).set('Content-Type', 'application/json').send('{"requestedMonthlyPremium": ');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detailFa).toMatch(/[\u0600-\u06FF]/);
    });
  });

  describe('401 UNAUTHENTICATED', () => {
    const claims = { sub: 'mallory', role: 'auditor', exp: Math.floor(Date.now() / 1000) + 3600 };
    const hs256 = (payload: object, secret: string) => {
      const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    // RFC 6750 3.1: no token is a bare challenge; a token refused says invalid_token.
    const refused = 'Bearer error="invalid_token"';
    it.each([
      ['no Authorization header', undefined, 'Bearer'],
      ['a non-bearer scheme', 'Basic YWRtaW46YWRtaW4=', 'Bearer'],
      ['garbage', 'Bearer not.a.jwt', refused],
      ['alg: none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, refused],
      ['alg: none with a signature', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`, refused],
      ['a wrong signature', `Bearer ${hs256(claims, 'not-the-secret')}`, refused],
      ['an expired token', `Bearer ${hs256({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, TEST_SECRET)}`, refused],
      ['an unknown role', `Bearer ${hs256({ ...claims, role: 'admin' }, TEST_SECRET)}`, refused],
    ])('%s', async (_what, authorization, challenge) => {
      const request = t.http().get('/v1/terms');
      const res = await (authorization ? request.set('Authorization', authorization) : request);
      expectProblem(res, 401, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toBe(challenge);
    });
    it('a correctly signed token of the same claims is accepted (the cases above fail for their flaw alone)', async () => {
      await t.http().get('/v1/terms').set('Authorization', `Bearer ${hs256(claims, TEST_SECRET)}`).expect(200);
    });
  });

  // Last: it moves the clock past the first payment deadline.
  it('422 PAYMENT_DEADLINE_PASSED on day 21, and the lapsed contract refuses changes (CONTRACT_NOT_ACTIVE)', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    expect(contract.paymentDeadline).toBe('2026-12-21');
    t.clock.set(new Date('2026-12-22T08:00:00Z'));
    try {
      const refused = await pay(t, contract);
      expectProblem(refused, 422, 'PAYMENT_DEADLINE_PASSED');
      expect([refused.body.detail, refused.body.detailFa]).toEqual([expect.stringContaining('2026-12-21'), expect.stringContaining('۱۴۰۵/۰۹/۳۰')]);
      const res = await t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).send({ requestedMonthlyPremium: 40_000_000 });
      expectProblem(res, 422, 'CONTRACT_NOT_ACTIVE');
    } finally {
      t.clock.set(new Date('2026-12-01T08:00:00Z'));
    }
  });
});
