import type { Response } from 'supertest';
import { ContractStreams } from '@app/contracts-app';
import { PostgresIdempotencyStore, requestHash } from '../../apps/contracts-api/src/infrastructure/idempotency';
import { PEOPLE, startTestApp, type TestApp } from './support/test-app';
import { bearer, eventsOfType, expectProblem, openBody, openOnline, pay, People, settledHead } from './support/scenario';

const RACERS = 8;
const statuses = (responses: Response[]) => responses.map((r) => r.status).sort();

/** One active contract per person, optimistic concurrency and idempotency, under real concurrent HTTP. */
describe('e2e: races and retries', () => {
  let t: TestApp;
  const people = new People(Object.values(PEOPLE));

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const openedFor = async (nationalCode: string) =>
    (await eventsOfType(t, 'ContractOpened')).filter((e) => (e.data.applicant as { nationalCode: string }).nationalCode === nationalCode);

  describe('racing opens for one person', () => {
    it(`${RACERS} concurrent online opens: exactly one 201, the rest 409 ACTIVE_CONTRACT_EXISTS, one ContractOpened`, async () => {
      const person = people.next().nationalCode;
      const { token, body } = await openBody(t, person);
      const responses = await Promise.all(Array.from({ length: RACERS }, () => t.http().post('/v1/contracts').set(bearer(token)).send(body)));
      expect(statuses(responses)).toEqual([201, ...Array(RACERS - 1).fill(409)]);
      const winner = responses.find((r) => r.status === 201)!.body.id;
      // Each refusal names the contract that won, whichever step of the race it lost at.
      responses.filter((r) => r.status === 409).forEach((r) => expect(expectProblem(r, 409, 'ACTIVE_CONTRACT_EXISTS').contractId).toBe(winner));
      const opened = await openedFor(person);
      expect(opened).toHaveLength(1);
      expect(opened[0].data.contractId).toBe(winner);
    });

    it('online and branch opens racing for one person: still exactly one wins', async () => {
      const person = people.next();
      const { token, body } = await openBody(t, person.nationalCode);
      const officer = bearer(t.token({ role: 'branch_officer', branchId: person.branchId }));
      const responses = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          i % 2 === 0
            ? t.http().post('/v1/contracts').set(bearer(token)).send(body)
            : t.http().post('/v1/branch/contracts').set(officer).send({ ...body, nationalCode: person.nationalCode, documents: [] }),
        ),
      );
      expect(statuses(responses)).toEqual([201, ...Array(RACERS - 1).fill(409)]);
      expect(await openedFor(person.nationalCode)).toHaveLength(1);
    });

    it(`${RACERS} concurrent opens for ${RACERS} people all win, with distinct 10-digit contract numbers`, async () => {
      const bodies = await Promise.all(Array.from({ length: RACERS }, () => openBody(t, people.next().nationalCode)));
      const responses = await Promise.all(bodies.map(({ token, body }) => t.http().post('/v1/contracts').set(bearer(token)).send(body)));
      expect(statuses(responses)).toEqual(Array(RACERS).fill(201));
      const numbers = responses.map((r) => r.body.contractNumber as string);
      numbers.forEach((n) => expect(n).toMatch(/^\d{10}$/));
      expect(new Set(numbers).size).toBe(RACERS);
    });
  });

  describe('racing wage changes', () => {
    it(`${RACERS} concurrent changes with If-Match "0": exactly one 200, the rest 412`, async () => {
      const { token, contract } = await openOnline(t, people.next().nationalCode);
      const responses = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).set('If-Match', '"0"').send({ requestedMonthlyPremium: 31_000_000 + i * 1_000_000 }),
        ),
      );
      expect(statuses(responses)).toEqual([200, ...Array(RACERS - 1).fill(412)]);
      responses.filter((r) => r.status === 412).forEach((r) => expectProblem(r, 412, 'PRECONDITION_FAILED'));
      const winner = responses.find((r) => r.status === 200)!;
      expect(winner.headers.etag).toBe('"1"');
      const view = await t.http().get(`/v1/contracts/${contract.id}`).set(bearer(token)).expect(200);
      expect(view.headers.etag).toBe('"1"');
      expect(view.body.wageBasis).toBe(winner.body.wageBasis);
    });

    it('without If-Match, racing changes in one process all land, one after another: no 409 for a race it can avoid', async () => {
      const crowd = 24;
      const { token, contract } = await openOnline(t, people.next().nationalCode);
      const send = (i: number) =>
        t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).set('Idempotency-Key', `race-${i}`).send({ requestedMonthlyPremium: 31_000_000 + i * 500_000 });
      const responses = await Promise.all(Array.from({ length: crowd }, (_, i) => send(i)));
      expect(statuses(responses)).toEqual(Array(crowd).fill(200));
      expect(responses.map((r) => r.body.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: crowd }, (_, i) => i + 1));
      const changes = (await t.runtime.eventStore.readStream(`contract-${contract.id}`)).filter((e) => e.type === 'WageChanged');
      expect(changes).toHaveLength(crowd);
    });

    it('a change that loses every race to another process is 409 CONCURRENCY_CONFLICT, not kept as its key\'s answer: the retry runs again', async () => {
      const { token, contract } = await openOnline(t, people.next().nationalCode);
      const store = t.runtime.eventStore;
      const rival = new ContractStreams(store, t.clock); // another process on the same store
      const append = store.append.bind(store);
      let rivalWins = 0;
      let rivalling = false;
      const spy = jest.spyOn(store, 'append').mockImplementation(async (...args) => {
        if (!rivalling && args[0] === `contract-${contract.id}`) {
          rivalling = true;
          rivalWins += 1;
          const change = { type: 'ChangeWage' as const, data: { requestedMonthlyPremium: 40_000_000 + rivalWins * 100_000 } };
          const context = { actor: { sub: 'rival', role: 'applicant' }, channel: 'online', correlationId: 'rival', commandId: `rival-${rivalWins}` } as const;
          await rival.execute(contract.id, change, context).finally(() => (rivalling = false));
        }
        return append(...args);
      });
      const send = () => t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).set('Idempotency-Key', 'lost').send({ requestedMonthlyPremium: 31_000_000 });
      try {
        expectProblem(await send(), 409, 'CONCURRENCY_CONFLICT');
      } finally {
        spy.mockRestore();
      }
      const retried = await send();
      expect(retried.status).toBe(200);
      expect(retried.body.revision).toBe(rivalWins + 1);
    });
  });

  describe('idempotent retries', () => {
    it('same key and body: the same 201 and one event; same key, other body: 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const person = people.next().nationalCode;
      const { token, body } = await openBody(t, person);
      const send = (payload: object) => t.http().post('/v1/contracts').set(bearer(token)).set('Idempotency-Key', 'open-once').send(payload);
      const first = await send(body);
      expect(first.status).toBe(201);
      const head = await settledHead(t);
      const again = await send(body);
      expect(again.status).toBe(201);
      expect(again.text).toBe(first.text); // byte for byte, keys in the same order
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers.etag).toBe(first.headers.etag);
      expectProblem(await send({ ...body, requestedMonthlyPremium: body.requestedMonthlyPremium + 1 }), 409, 'IDEMPOTENCY_KEY_REUSED');
      expect(await t.runtime.eventStore.headPosition()).toBe(head);
      expect(await openedFor(person)).toHaveLength(1);
    });

    it('same key and body with another If-Match is another request: 409 IDEMPOTENCY_KEY_REUSED, and the first answer still replays', async () => {
      const { token, contract } = await openOnline(t, people.next().nationalCode);
      const change = (ifMatch: string) =>
        t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).set('Idempotency-Key', 'wage-if-match').set('If-Match', ifMatch).send({ requestedMonthlyPremium: 44_000_000 });
      const first = await change('"0"');
      expect(first.status).toBe(200);
      expectProblem(await change('"1"'), 409, 'IDEMPOTENCY_KEY_REUSED');
      const replay = await change('"0"');
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(first.body);
    });

    it('concurrent retries of one key: one contract, every answer the same 201 or a 409 to retry later', async () => {
      const person = people.next().nationalCode;
      const { token, body } = await openBody(t, person);
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => t.http().post('/v1/contracts').set(bearer(token)).set('Idempotency-Key', 'open-racing').send(body)),
      );
      const created = responses.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThan(0);
      created.forEach((r) => expect(r.body).toEqual(created[0].body));
      responses.filter((r) => r.status !== 201).forEach((r) => expectProblem(r, 409, 'CONCURRENCY_CONFLICT'));
      expect(await openedFor(person)).toHaveLength(1);
    });

    it("a retry while its key's first request is still running: 409 saying so, with Retry-After", async () => {
      const { contract } = await openOnline(t, people.next().nationalCode);
      const body = { contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference: 'HELD-1', paidAt: t.clock.now().toISOString() };
      // The first request holds the claim (its process is working on it).
      await t.db.pool.query(`INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ('bank:mellat', 'HELD-1', $1)`, [requestHash('POST', '/v1/payments', body)]);
      const res = await t.http().post('/v1/payments').set(bearer(t.token({ role: 'bank', bankId: 'mellat' }))).send(body);
      expectProblem(res, 409, 'CONCURRENCY_CONFLICT');
      // Told why: not that the contract changed, but that the key's first request has not answered.
      expect([res.body.reason, res.body.detail, res.headers['retry-after']]).toEqual(['idempotency_key_in_progress', expect.stringContaining('Idempotency-Key'), '1']);
    });

    it('a refusal is kept too: the same key and body answer the same 422 again', async () => {
      const { token, body } = await openBody(t, people.next().nationalCode);
      const send = () => t.http().post('/v1/contracts').set(bearer(token)).set('Idempotency-Key', 'refused').send({ ...body, acceptTerms: { version: 'old' } });
      const first = await send();
      expectProblem(first, 422, 'TERMS_NOT_ACCEPTED');
      const again = await send();
      expect(again.status).toBe(422);
      expect(again.body).toEqual(first.body);
    });

    it('a wage change retried with its key appends one WageChanged', async () => {
      const { token, contract } = await openOnline(t, people.next().nationalCode);
      const send = () => t.http().put(`/v1/contracts/${contract.id}/wage`).set(bearer(token)).set('Idempotency-Key', 'wage-once').send({ requestedMonthlyPremium: 44_000_000 });
      const first = await send();
      const again = await send();
      expect([first.status, again.status]).toEqual([200, 200]);
      expect(again.body).toEqual(first.body);
      const stream = await t.runtime.eventStore.readStream(`contract-${contract.id}`);
      expect(stream.map((e) => e.type)).toEqual(['ContractOpened', 'WageChanged']);
    });

    it('a bank confirmation is idempotent by bankReference: 200 with the first result, one PaymentConfirmed; another amount is 409', async () => {
      const { contract } = await openOnline(t, people.next().nationalCode);
      const first = await pay(t, contract, 1, 'TEJARAT-77');
      expect(first.status).toBe(201);
      const again = await pay(t, contract, 1, 'TEJARAT-77');
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expectProblem(await pay(t, contract, 2, 'TEJARAT-77'), 409, 'IDEMPOTENCY_KEY_REUSED');
      const stream = await t.runtime.eventStore.readStream(`contract-${contract.id}`);
      expect(stream.map((e) => e.type)).toEqual(['ContractOpened', 'PaymentConfirmed']);
    });

    it("a bank's retry is the same payment whatever If-Match it sends (it was 409 IDEMPOTENCY_KEY_REUSED); a refusal for a stale one is not", async () => {
      const { contract } = await openOnline(t, people.next().nationalCode);
      const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
      const body = { contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference: 'MELLAT-IFM', paidAt: t.clock.now().toISOString() };
      const send = (ifMatch?: string) => (ifMatch ? t.http().post('/v1/payments').set(bank).set('If-Match', ifMatch) : t.http().post('/v1/payments').set(bank)).send(body);
      expectProblem(await send('"5"'), 412, 'PRECONDITION_FAILED');
      expectProblem(await send('"5"'), 412, 'PRECONDITION_FAILED'); // kept, and replayed to the request as sent
      const first = await send('"0"'); // the corrected request takes the reference over
      expect(first.status).toBe(201);
      for (const ifMatch of [undefined, '"1"', '*', '"0"']) {
        const again = await send(ifMatch);
        expect([ifMatch, again.status, again.headers['idempotent-replayed']]).toEqual([ifMatch, 200, 'true']);
        expect(again.body).toEqual(first.body);
      }
      const stream = await t.runtime.eventStore.readStream(`contract-${contract.id}`);
      expect(stream.map((e) => e.type)).toEqual(['ContractOpened', 'PaymentConfirmed']);
    });
  });

  /**
   * What a retry does once the retention (IDEMPOTENCY_TTL_HOURS, default 72) has purged the answer
   * kept for its key: the command id still derives from the key, so the domain's own deduplication
   * answers, and nothing is ever done twice.
   */
  describe('retries after the retention purged their kept answers', () => {
    /** Every kept answer made 73 hours old, then the purge the API runs hourly. */
    const purgeAll = async () => {
      await t.db.pool.query(`UPDATE idempotency_keys SET completed_at = completed_at - interval '73 hours' WHERE completed_at IS NOT NULL`);
      return new PostgresIdempotencyStore(t.db.pool).purgeCompleted(72);
    };

    it('a bank reference that paid is kept: the same payment replays, and on another contract it pays nothing', async () => {
      const [{ contract }, { contract: other }] = [await openOnline(t, people.next().nationalCode), await openOnline(t, people.next().nationalCode)];
      const first = await pay(t, contract, 1, 'KEPT-1');
      expect(first.status).toBe(201);
      await purgeAll();

      const again = await pay(t, contract, 1, 'KEPT-1');
      expect([again.status, again.headers['idempotent-replayed'], again.body]).toEqual([200, 'true', first.body]);
      expectProblem(await pay(t, other, 1, 'KEPT-1'), 409, 'IDEMPOTENCY_KEY_REUSED');
      const paid = await eventsOfType(t, 'PaymentConfirmed');
      expect(paid.filter((e) => e.data.bankReference === 'KEPT-1').map((e) => e.data.contractId)).toEqual([contract.id]);
    });

    /** A payment whose answer is gone: purged before bank references were kept (migration 005), or never stored (a crash). */
    const forgetAnswer = (bankReference: string) => t.db.pool.query(`DELETE FROM idempotency_keys WHERE scope LIKE 'bank:%' AND key = $1`, [bankReference]);

    it('a payment whose answer is gone, repeated: 200 with the same payment and nothing appended; another amount: 409 BANK_REFERENCE_REUSED', async () => {
      const { contract } = await openOnline(t, people.next().nationalCode);
      const first = await pay(t, contract, 1, 'PURGED-1');
      expect(first.status).toBe(201);
      await forgetAnswer('PURGED-1');

      const again = await pay(t, contract, 1, 'PURGED-1');
      expect([again.status, again.headers['idempotent-replayed']]).toEqual([200, undefined]);
      expect(again.body).toEqual(first.body);

      await forgetAnswer('PURGED-1');
      expectProblem(await pay(t, contract, 2, 'PURGED-1'), 409, 'BANK_REFERENCE_REUSED');
      const stream = await t.runtime.eventStore.readStream(`contract-${contract.id}`);
      expect(stream.map((e) => e.type)).toEqual(['ContractOpened', 'PaymentConfirmed']);
    });

    it('an open retried never concludes a second contract: the same one that day, and days later when the rules would refuse it', async () => {
      const person = people.next().nationalCode;
      const { body } = await openBody(t, person);
      const token = bearer(t.token({ role: 'applicant', sub: 'retention-sub', nationalCode: person }));
      const open = () => t.http().post('/v1/contracts').set(token).set('Idempotency-Key', 'open-then-purged').send(body);
      const first = await open();
      expect(first.status).toBe(201);
      await purgeAll();

      const head = await settledHead(t);
      const sameDay = await open();
      expect([sameDay.status, sameDay.headers['idempotent-replayed']]).toEqual([201, undefined]);
      expect(sameDay.body).toEqual(first.body);
      expect(await t.runtime.eventStore.headPosition()).toBe(head);

      await purgeAll();
      const today = t.clock.now();
      t.clock.set(new Date(today.getTime() + 73 * 3_600_000));
      try {
        // The confirmed start date was the day it was first sent, so the rules would refuse it now
        // (QUOTE_MISMATCH); but its contract exists, and a refusal would deny it: answered from it.
        const daysLater = await open();
        expect([daysLater.status, daysLater.body.id, daysLater.body.revision]).toEqual([201, first.body.id, first.body.revision]);
      } finally {
        t.clock.set(today);
      }
      expect(await t.runtime.eventStore.headPosition()).toBe(head);
      expect(await openedFor(person)).toHaveLength(1);
    });
  });

  describe('keys belong to the whole identity (role, sub and the role claim), not to role:sub', () => {
    // The security review's case: API.md does not make `sub` unique per person.
    it('two applicants with one sub, one key and one body each get their own contract; each retry replays its own', async () => {
      const [a, b] = [people.next().nationalCode, people.next().nationalCode];
      const { body } = await openBody(t, a);
      expect((await openBody(t, b)).body).toEqual(body); // the very same request, from either of them
      const tokenA = bearer(t.token({ role: 'applicant', sub: 'shared-sub', nationalCode: a }));
      const tokenB = bearer(t.token({ role: 'applicant', sub: 'shared-sub', nationalCode: b }));
      const open = (token: Record<string, string>, key = 'same-key') => t.http().post('/v1/contracts').set(token).set('Idempotency-Key', key).send(body);

      const first = await open(tokenA);
      expect([first.status, first.body.nationalCode, first.headers['idempotent-replayed']]).toEqual([201, a, undefined]);
      const second = await open(tokenB);
      expect([second.status, second.body.nationalCode, second.headers['idempotent-replayed']]).toEqual([201, b, undefined]);
      expect(second.body.id).not.toBe(first.body.id);

      // Each one's retry still replays their own answer, and appends nothing.
      const head = await settledHead(t);
      const againA = await open(tokenA);
      const againB = await open(tokenB);
      expect([againA.status, againA.headers['idempotent-replayed'], againB.status, againB.headers['idempotent-replayed']]).toEqual([201, 'true', 201, 'true']);
      expect(againA.body).toEqual(first.body);
      expect(againB.body).toEqual(second.body);
      expect(await t.runtime.eventStore.headPosition()).toBe(head);

      // One active contract per person still holds, whatever the key or the sub.
      expectProblem(await open(tokenA, 'another-key'), 409, 'ACTIVE_CONTRACT_EXISTS');
      expectProblem(await open(bearer(t.token({ role: 'applicant', sub: 'other-sub', nationalCode: b })), 'same-key'), 409, 'ACTIVE_CONTRACT_EXISTS');
      expect(await openedFor(a)).toHaveLength(1);
      expect(await openedFor(b)).toHaveLength(1);
    });

    it("a command on A's contract with A's sub and key, sent by B, is checked against B, not answered from A's replay", async () => {
      const a = people.next().nationalCode;
      const { contract } = await openOnline(t, a);
      const tokenA = bearer(t.token({ role: 'applicant', sub: 'shared-wage-sub', nationalCode: a }));
      const tokenB = bearer(t.token({ role: 'applicant', sub: 'shared-wage-sub', nationalCode: people.next().nationalCode }));
      const change = (token: Record<string, string>) =>
        t.http().put(`/v1/contracts/${contract.id}/wage`).set(token).set('Idempotency-Key', 'wage-shared').send({ requestedMonthlyPremium: 44_000_000 });
      expect((await change(tokenA)).status).toBe(200);
      const stranger = await change(tokenB);
      expectProblem(stranger, 404, 'NOT_FOUND');
      expect(stranger.body.nationalCode).toBeUndefined();
    });
  });
});
