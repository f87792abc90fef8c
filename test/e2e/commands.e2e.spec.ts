import { PEOPLE, startTestApp, type TestApp } from './support/test-app';
import { StoreUnavailableError } from '@app/event-store';
import { bearer, examContract, expectProblem, openBody, openOnline, pay, People, type ContractView, settledHead } from './support/scenario';

/** Every row of API.md's command table, over real HTTP, with what it must answer and append. */
describe('e2e: the command table', () => {
  let t: TestApp;
  const people = new People(Object.values(PEOPLE));
  const auditor = () => bearer(t.token({ role: 'auditor' }));
  const history = async (id: string) =>
    (await t.http().get(`/v1/contracts/${id}/events`).set(auditor()).expect(200)).body.items as Array<{ type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }>;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('POST /v1/quotes prices the caller and appends nothing', async () => {
    const token = t.token({ role: 'applicant', nationalCode: PEOPLE.examRequired });
    const head = await settledHead(t);
    const res = await t.http().post('/v1/quotes').set(bearer(token)).send({ requestedMonthlyPremium: 30_000_000 }).expect(200);
    expect(res.body).toMatchObject({
      applicant: { nationalCode: PEOPLE.examRequired },
      premiumRate: 0.27,
      wageBasis: expect.any(Number),
      monthlyPremium: expect.any(Number),
      minPremium: expect.any(Number),
      maxPremium: expect.any(Number),
      startDate: '2026-12-01',
      examRequirement: 'required',
      termsVersion: expect.any(String),
    });
    expect(res.body.minPremium).toBeLessThanOrEqual(res.body.monthlyPremium);
    expect(res.body.monthlyPremium).toBeLessThanOrEqual(res.body.maxPremium);

    const nextMonth = await t.http().post('/v1/quotes').set(bearer(token)).send({ requestedMonthlyPremium: 30_000_000, startNextMonth: true }).expect(200);
    // 1405/10/01, the first day of the next Jalali month.
    expect(nextMonth.body.startDate).toBe('2026-12-22');
    expect(await t.runtime.eventStore.headPosition()).toBe(head);
  });

  it('POST /v1/quotes keeps the commands\' Idempotency-Key promise: the first price again, another body 409, a bad key 400', async () => {
    const { nationalCode } = people.next();
    const { token, body } = await openBody(t, nationalCode);
    const quote = (key: string, requestedMonthlyPremium: number) =>
      t.http().post('/v1/quotes').set(bearer(token)).set('Idempotency-Key', key).send({ requestedMonthlyPremium });
    const first = await quote('application-1', 30_000_000).expect(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await quote('application-1', 30_000_000).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expectProblem(await quote('application-1', 40_000_000), 409, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await quote('a key with spaces', 30_000_000), 400, 'VALIDATION_FAILED');
    // A quote's keys are apart from the other commands': the open may carry the key its quote had.
    await t.http().post('/v1/contracts').set(bearer(token)).set('Idempotency-Key', 'application-1').send(body).expect(201);
  });

  it('POST /v1/contracts concludes online: 201, ETag "0", the full contract view, one ContractOpened', async () => {
    const person = people.next('required');
    const { token, body } = await openBody(t, person.nationalCode, { startNextMonth: true });
    const res = await t.http().post('/v1/contracts').set(bearer(token)).send({ ...body, corrections: { mobile: '+989121234567', address: 'تهران، خیابان آزادی، پلاک ۱' } }).expect(201);
    expect(res.headers.etag).toBe('"0"');
    expect(res.headers.location).toBe(`/v1/contracts/${res.body.id}`);
    expect(res.body).toEqual({
      id: expect.any(String),
      contractNumber: expect.stringMatching(/^\d{10}$/),
      contractDate: '2026-12-01',
      contractDateJalali: '1405/09/10',
      nationalCode: person.nationalCode,
      channel: 'online',
      branchId: person.branchId,
      status: 'awaiting_payment',
      premiumRate: 0.27,
      wageBasis: body.confirm.wageBasis,
      monthlyPremium: expect.any(Number),
      startDate: '2026-12-22',
      startDateJalali: '1405/10/01',
      paymentDeadline: '2026-12-21',
      paymentDeadlineJalali: '1405/09/30',
      paidThrough: null,
      paidThroughJalali: null,
      // Two Jalali months after the contract date.
      exam: { requirement: 'required', status: 'pending', deadline: '2027-01-30', deadlineJalali: '1405/11/10', referralNumber: null, result: null, determination: null },
      revision: 0,
    });
    const events = await history(res.body.id);
    expect(events.map((e) => e.type)).toEqual(['ContractOpened']);
    expect(events[0].data).toMatchObject({ applicant: { mobile: '09121234567', address: 'تهران، خیابان آزادی، پلاک ۱' }, examUndertaking: true });
    expect(events[0].metadata).toMatchObject({ channel: 'online', actor: { role: 'applicant' } });
  });

  it('POST /v1/branch/contracts concludes for a 16-year-old with a growth certificate', async () => {
    const { body } = await openBody(t, PEOPLE.minor16);
    const officer = t.token({ role: 'branch_officer', branchId: '2101' });
    const documents = [{ kind: 'growth_certificate', reference: 'GC-1405-0042' }, { kind: 'identity', reference: 'ID-0083661646' }];
    const res = await t.http().post('/v1/branch/contracts').set(bearer(officer)).send({ ...body, nationalCode: PEOPLE.minor16, documents }).expect(201);
    expect(res.headers.etag).toBe('"0"');
    expect(res.body).toMatchObject({ nationalCode: PEOPLE.minor16, channel: 'branch', branchId: '2101', status: 'awaiting_payment', exam: { requirement: 'required' } });
    const [opened] = await history(res.body.id);
    expect(opened.data.documents).toEqual(documents);
    expect(opened.metadata).toMatchObject({ channel: 'branch', branchId: '2101', actor: { role: 'branch_officer' } });
  });

  it('POST /v1/branch/contracts concludes for a person under guardianship with the guardianship letter', async () => {
    const { body } = await openBody(t, PEOPLE.guardianship);
    const officer = t.token({ role: 'branch_officer', branchId: '1002' });
    const documents = [{ kind: 'guardianship_letter', reference: 'COURT-98-7731' }];
    const res = await t.http().post('/v1/branch/contracts').set(bearer(officer)).send({ ...body, nationalCode: PEOPLE.guardianship, documents }).expect(201);
    expect(res.body).toMatchObject({ nationalCode: PEOPLE.guardianship, channel: 'branch', branchId: '1002', exam: { requirement: 'exempt', status: 'not_required' } });
    expect((await history(res.body.id))[0].data.documents).toEqual(documents);
  });

  it("POST /v1/branch/contracts under a key whose kept answer was purged opens for another person too, touching the first person's nothing", async () => {
    const officer = bearer(t.token({ role: 'branch_officer', branchId: '1002' }));
    const open = async (nationalCode: string) => {
      const { body } = await openBody(t, nationalCode);
      const documents = [{ kind: 'identity', reference: `ID-${nationalCode}` }];
      return t.http().post('/v1/branch/contracts').set(officer).set('Idempotency-Key', 'branch-desk-7').send({ ...body, nationalCode, documents });
    };
    const [first, second] = [people.next().nationalCode, people.next().nationalCode];
    const opened = await open(first);
    expect(opened.status).toBe(201);
    await t.db.pool.query(`DELETE FROM idempotency_keys WHERE key = 'branch-desk-7'`); // as the TTL's purge does
    const other = await open(second);
    expect(other.status).toBe(201);
    expect(other.body).toMatchObject({ nationalCode: second });
    expect(other.body.id).not.toBe(opened.body.id);
    expect((await history(opened.body.id)).map((event) => event.type)).toEqual(['ContractOpened']);
    // Within its TTL the key is the second open's; purged again, the first person's retry still
    // gets their contract, never a second one.
    expectProblem(await open(first), 409, 'IDEMPOTENCY_KEY_REUSED');
    await t.db.pool.query(`DELETE FROM idempotency_keys WHERE key = 'branch-desk-7'`);
    const again = await open(first);
    expect([again.status, again.body.id]).toEqual([201, opened.body.id]);
  });

  it("a command's key reused on another contract once its kept answer was purged acts on that contract (it was a 500)", async () => {
    const examiner = bearer(t.token({ role: 'examiner' }));
    const referred = async () => {
      const { token, contract } = await examContract(t, people, 'paid');
      await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token)).expect(201);
      return contract;
    };
    const [first, second] = [await referred(), await referred()];
    const record = (contract: ContractView) => t.http().post(`/v1/contracts/${contract.id}/exam/result`).set(examiner).set('Idempotency-Key', 'exam-batch-1').send({ result: 'passed' });
    expect((await record(first)).status).toBe(200);
    expectProblem(await record(second), 409, 'IDEMPOTENCY_KEY_REUSED');
    await t.db.pool.query(`DELETE FROM idempotency_keys WHERE key = 'exam-batch-1'`); // as the TTL's purge does
    const res = await record(second);
    expect([res.status, res.body.exam?.status]).toEqual([200, 'passed']);
    expect((await history(second.id)).map((event) => event.type)).toEqual(['ContractOpened', 'PaymentConfirmed', 'ExamReferralIssued', 'ExamResultRecorded']);
    expect((await history(first.id)).map((event) => event.type)).toEqual(['ContractOpened', 'PaymentConfirmed', 'ExamReferralIssued', 'ExamResultRecorded']);
  });

  it('PUT /v1/contracts/{id}/wage changes the wage basis before the first payment: 200, ETag "1"', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    const res = await t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).set('If-Match', '"0"').send({ requestedMonthlyPremium: 40_000_000 }).expect(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body.revision).toBe(1);
    expect(res.body.wageBasis).toBeGreaterThan(contract.wageBasis);
    expect(res.body.monthlyPremium).toBe(Math.round(res.body.wageBasis * 0.27));
    expect((await history(contract.id)).map((e) => e.type)).toEqual(['ContractOpened', 'WageChanged']);
  });

  it('POST /v1/payments confirms 1 period: 201, the contract active, cover from now', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    const res = await pay(t, contract, 1, 'SADERAT-1');
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    const view = await t.http().get(`/v1/contracts/${contract.id}`).set(bearer(token)).expect(200);
    expect(view.body).toMatchObject({ status: 'active', revision: 1, paidThrough: '2026-12-21' });
  });

  it('POST /v1/payments tells the bank of its payment only, never the contract view (national code, exam)', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const res = await pay(t, contract, 1, 'SADERAT-ONLY');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      paymentId: expect.any(String),
      contractId: contract.id,
      bankReference: 'SADERAT-ONLY',
      amount: contract.monthlyPremium,
      periods: ['1405-09'],
      paidThrough: '2026-12-21',
      paidThroughJalali: '1405/09/30',
    });
    const replayed = await pay(t, contract, 1, 'SADERAT-ONLY');
    expect([replayed.status, replayed.body]).toEqual([200, res.body]);
  });

  it('POST /v1/payments confirms 12 periods at once for 12 × the premium', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const res = await pay(t, contract, 12, 'SADERAT-12');
    expect(res.status).toBe(201);
    expect(res.body.periods).toHaveLength(12);
    expect(res.body.periods[0]).toBe('1405-09');
    expect(res.body.periods[11]).toBe('1406-08');
    expect(res.body.amount).toBe(12 * contract.monthlyPremium);
    const events = await history(contract.id);
    expect(events.map((e) => e.type)).toEqual(['ContractOpened', 'PaymentConfirmed']);
  });

  it('POST /v1/payments: a reference is each bank\'s own; the same bank repeating it gets the first answer', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const confirm = (bankId: string) =>
      t
        .http()
        .post('/v1/payments')
        .set(bearer(t.token({ role: 'bank', bankId })))
        .send({ contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference: 'SHARED-7', paidAt: t.clock.now().toISOString() });
    const mellat = await confirm('mellat');
    expect([mellat.status, mellat.body.periods]).toEqual([201, ['1405-09']]);
    const saman = await confirm('saman');
    expect([saman.status, saman.body.periods]).toEqual([201, ['1405-10']]);
    expect(saman.body.paymentId).not.toBe(mellat.body.paymentId);
    const again = await confirm('mellat');
    expect([again.status, again.body.periods, again.headers['idempotent-replayed']]).toEqual([200, ['1405-09'], 'true']);
    expect((await history(contract.id)).map((e) => e.type)).toEqual(['ContractOpened', 'PaymentConfirmed', 'PaymentConfirmed']);
  });

  it('takes a contract id in capitals as the same contract, in paths and in bodies', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    const upper = contract.id.toUpperCase();
    const view = await t.http().get(`/v1/contracts/${upper}`).set(bearer(token));
    expect([view.status, view.body.id]).toEqual([200, contract.id]);
    const res = await pay(t, { ...contract, id: upper });
    expect([res.status, res.body.contractId, res.body.periods]).toEqual([201, contract.id, ['1405-09']]);
  });

  it('takes a national code in Persian digits in a query or path, as bodies do', async () => {
    const { nationalCode } = people.next();
    const { token, contract } = await openOnline(t, nationalCode);
    const persian = encodeURIComponent([...nationalCode].map((digit) => '۰۱۲۳۴۵۶۷۸۹'[Number(digit)]).join(''));
    const list = await t.http().get(`/v1/contracts?nationalCode=${persian}`).set(bearer(token));
    expect([list.status, list.body.items.map((c: ContractView) => c.id)]).toEqual([200, [contract.id]]);
    const eligibility = await t.http().get(`/v1/eligibility/${persian}`).set(bearer(token));
    expect([eligibility.status, eligibility.body.nationalCode]).toEqual([200, nationalCode]);
    expect((await t.http().get('/v1/contracts?nationalCode=123').set(bearer(token))).body.errors).toEqual([expect.objectContaining({ field: 'nationalCode' })]);
  });

  it('POST /v1/payments: a refused confirmation leaves its reference free for the corrected one', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const send = (amount: number) =>
      t.http().post('/v1/payments').set(bank).send({ contractId: contract.id, periods: 1, amount, bankReference: 'FIXED-1', paidAt: t.clock.now().toISOString() });
    expect((await send(contract.monthlyPremium + 1)).status).toBe(422);
    const replayed = await send(contract.monthlyPremium + 1);
    expect([replayed.status, replayed.body.code, replayed.headers['idempotent-replayed']]).toEqual([422, 'AMOUNT_MISMATCH', 'true']);
    const corrected = await send(contract.monthlyPremium);
    expect([corrected.status, corrected.body.periods]).toEqual([201, ['1405-09']]);
    expect((await send(contract.monthlyPremium + 1)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('POST /v1/payments: the same payment written another way repeats it (200), whatever the instant\'s offset or the id\'s case', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const paidAt = new Date(Math.floor(t.clock.now().getTime() / 1000) * 1000 - 60_000);
    const send = (fields: { contractId?: string; paidAt: string }) =>
      t.http().post('/v1/payments').set(bank).send({ contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference: 'SAME-1', ...fields });
    const first = await send({ paidAt: paidAt.toISOString().replace('.000Z', 'Z') });
    expect(first.status).toBe(201);
    const tehran = new Date(paidAt.getTime() + 3.5 * 3_600_000).toISOString().replace('.000Z', '+03:30');
    for (const again of [{ paidAt: paidAt.toISOString() }, { paidAt: tehran }, { contractId: contract.id.toUpperCase(), paidAt: paidAt.toISOString() }]) {
      const res = await send(again);
      expect({ again, status: res.status, body: res.body }).toEqual({ again, status: 200, body: first.body });
    }
    // Another instant is another payment under the same reference.
    expect((await send({ paidAt: new Date(paidAt.getTime() - 1_000).toISOString() })).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('POST /v1/payments: paidAt is an instant with its offset; a date, a week or the basic format is a 400 that keeps nothing', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const send = (paidAt: string) =>
      t.http().post('/v1/payments').set(bank).send({ contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference: 'FORMS-1', paidAt });
    const day = t.clock.now().toISOString().slice(0, 10);
    for (const paidAt of [day, `${day}T08:00`, day.replace(/-/g, '') + 'T080000Z', '2026-W49-2T08:00Z']) {
      const res = await send(paidAt);
      expect({ paidAt, status: res.status, fields: res.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ paidAt, status: 400, fields: ['paidAt'] });
    }
    expect((await send(`${day}T00:00:00Z`)).status).toBe(201); // not a replay of the refusals
  });

  it('POST /v1/payments: an Idempotency-Key is held to its first payment: a new reference under it is 409, not a second payment', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const paidAt = new Date(Math.floor(t.clock.now().getTime() / 1000) * 1000);
    const send = (bankReference: string, key: string, at = paidAt.toISOString()) =>
      t.http().post('/v1/payments').set(bank).set('Idempotency-Key', key).send({ contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference, paidAt: at });
    const first = await send('TRY-1', 'pay-once');
    expect([first.status, first.body.periods]).toEqual([201, ['1405-09']]);
    // Retried under the key, the instant written another way: the same payment.
    const retried = await send('TRY-1', 'pay-once', paidAt.toISOString().replace('.000Z', 'Z'));
    expect([retried.status, retried.body, retried.headers['idempotent-replayed']]).toEqual([200, first.body, 'true']);
    expect((await send('TRY-2', 'pay-once')).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // The reference still answers for its payment under another key.
    expect([(await send('TRY-1', 'another')).status]).toEqual([200]);
    const view = await t.http().get(`/v1/contracts/${contract.id}`).set(bearer(t.token({ role: 'auditor' }))).expect(200);
    expect(view.body.paidThrough).toBe(first.body.paidThrough);
  });

  /**
   * Sends `request` while the payment's append is made and its answer lost: the store then stops
   * answering about the contract (its re-reads too, which would otherwise find the payment and
   * answer it). Gives the status and whether the append was made.
   */
  async function withAnswerLost(contract: ContractView, request: () => Promise<{ status: number }>): Promise<[number, boolean]> {
    const store = t.runtime.eventStore;
    const stream = `contract-${contract.id}`;
    let appended = false;
    const unavailable = () => Promise.reject(new StoreUnavailableError('the answer was lost'));
    const [append, readStream, readFoldable] = [store.append.bind(store), store.readStream.bind(store), store.readFoldable.bind(store)];
    const spies = [
      jest.spyOn(store, 'append').mockImplementation(async (id, events, expected) => {
        if (id === stream && appended) return unavailable();
        const result = await append(id, events, expected);
        if (id === stream) {
          appended = true;
          return unavailable();
        }
        return result;
      }),
      jest.spyOn(store, 'readStream').mockImplementation((id, options) => (id === stream && appended ? unavailable() : readStream(id, options))),
      jest.spyOn(store, 'readFoldable').mockImplementation((id, options) => (id === stream && appended ? unavailable() : readFoldable(id, options))),
    ];
    try {
      return [(await request()).status, appended];
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  it('POST /v1/payments: after a 5xx whose payment was recorded, its Idempotency-Key is held: a new reference under it is not a second payment', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const send = (bankReference: string) =>
      t.http().post('/v1/payments').set(bank).set('Idempotency-Key', 'held-1').send({ contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference, paidAt: t.clock.now().toISOString() });
    expect(await withAnswerLost(contract, () => send('LOST-1'))).toEqual([503, true]);
    // A new reference per attempt under the same key: refused at once, never booked.
    expectProblem(await send('LOST-2'), 409, 'IDEMPOTENCY_KEY_REUSED');
    // The same request takes the key over: its reference's own layer answers the payment it made.
    const again = await send('LOST-1');
    expect([again.status, again.body.bankReference]).toEqual([200, 'LOST-1']);
    const view = await t.http().get(`/v1/contracts/${contract.id}`).set(bearer(t.token({ role: 'auditor' }))).expect(200);
    expect(view.body.paidThrough).toBe('2026-12-21'); // one period paid, not two
  });

  it('POST /v1/payments: after a 5xx whose payment was recorded, its bankReference sent for another contract pays nothing', async () => {
    const [{ contract }, { contract: other }] = [await openOnline(t, people.next().nationalCode), await openOnline(t, people.next().nationalCode)];
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const pay = (target: ContractView) =>
      t.http().post('/v1/payments').set(bank).send({ contractId: target.id, periods: 1, amount: target.monthlyPremium, bankReference: 'LOST-9', paidAt: t.clock.now().toISOString() });
    expect(await withAnswerLost(contract, () => pay(contract))).toEqual([503, true]);
    expectProblem(await pay(other), 409, 'IDEMPOTENCY_KEY_REUSED');
    const auditor = bearer(t.token({ role: 'auditor' }));
    expect((await t.http().get(`/v1/contracts/${other.id}`).set(auditor).expect(200)).body.paidThrough).toBeNull();
    // The payment itself, sent again, is the one recorded.
    const again = await pay(contract);
    expect([again.status, again.body.bankReference]).toEqual([200, 'LOST-9']);
  });

  it('POST /v1/contracts/{id}/exam/referral issues the referral form: 201 { referralNumber }', async () => {
    const { token, contract } = await examContract(t, people, 'paid');
    // Sent as many clients do: a JSON Content-Type and no body at all.
    // It takes no fields: anything else in a body is refused, as on every command, before anything is done.
    for (const body of [{ referralNumber: 'mine' }, [1, 2], '"hello"']) {
      const refused = await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token)).set('Content-Type', 'application/json').send(body as object);
      expect({ body, status: refused.status, code: refused.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
      expect(refused.body.errors).toEqual([expect.objectContaining({ messageFa: expect.stringMatching(/[آ-ی]/) })]);
    }
    const res = await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token)).set('Content-Type', 'application/json').expect(201);
    expect(res.body.referralNumber).toBe(`${contract.contractNumber}-1`);
    expect((await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token)).send({})).status).toBe(201); // an empty object is no field
    const view = await t.http().get(`/v1/contracts/${contract.id}`).set(bearer(token)).expect(200);
    expect(view.body.exam).toMatchObject({ status: 'referred', referralNumber: res.body.referralNumber });
    expect(res.body).toMatchObject({ examDeadline: view.body.exam.deadline, examDeadlineJalali: view.body.exam.deadlineJalali });
    // Its print says inpatient cover waits for the exam (the policy's default).
    const doc = await t.http().get(`/v1/contracts/${contract.id}/document`).set(bearer(token)).expect(200);
    expect(doc.text).toContain('پوشش بستری پس از قبولی در معاینات پزشکی یا تأیید شعبه برقرار می‌شود');
  });

  it('POST /v1/contracts/{id}/exam/result records a passed exam: 200', async () => {
    const { contract } = await examContract(t, people, 'referred');
    const res = await t.http().post(`/v1/contracts/${contract.id}/exam/result`).set(bearer(t.token({ role: 'examiner' }))).send({ result: 'passed' }).expect(200);
    expect(res.body.exam.status).toBe('passed');
    expect(res.headers.etag).toBe(`"${res.body.revision}"`);
    // API.md: contract commands answer with the contract view.
    expect(res.body).toMatchObject({ id: contract.id, contractNumber: contract.contractNumber, exam: { status: 'passed', referralNumber: `${contract.contractNumber}-1` } });
    // Passed: the print no longer says inpatient cover waits.
    const doc = await t.http().get(`/v1/contracts/${contract.id}/document`).set(bearer(t.token({ role: 'auditor' }))).expect(200);
    expect(doc.text).not.toContain('پوشش بستری پس از');
  });

  it('POST /v1/contracts/{id}/exam/determination cleared: payments go on', async () => {
    const { contract } = await examContract(t, people, 'failed');
    const officer = bearer(t.token({ role: 'branch_officer', branchId: contract.branchId }));
    const res = await t.http().post(`/v1/contracts/${contract.id}/exam/determination`).set(officer).send({ outcome: 'cleared', note: 'مدارک پزشکی تکمیلی بررسی شد' }).expect(200);
    expect(res.body).toMatchObject({ status: 'active', exam: { status: 'cleared' } });
    expect((await pay(t, res.body as ContractView, 1)).status).toBe(201);
  });

  it('POST /v1/contracts/{id}/exam/determination rejected: the contract is terminated', async () => {
    const { contract } = await examContract(t, people, 'failed');
    const officer = bearer(t.token({ role: 'branch_officer', branchId: contract.branchId }));
    const res = await t.http().post(`/v1/contracts/${contract.id}/exam/determination`).set(officer).send({ outcome: 'rejected', note: 'عدم احراز سلامت' }).expect(200);
    expect(res.body.status).toBe('terminated');
    expect((await history(contract.id)).slice(-2).map((e) => e.type)).toEqual(['ExamDeterminationMade', 'ContractTerminated']);
  });
});
