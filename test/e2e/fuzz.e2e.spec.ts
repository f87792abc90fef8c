import fc from 'fast-check';
import type { Response } from 'supertest';
import { PEOPLE, startTestApp, type TestApp } from './support/test-app';
import { bearer, examContract, openBody, openOnline, People, storedEventCount, type ContractView, settledHead } from './support/scenario';

type Json = unknown;

interface Route {
  name: string;
  method: 'post' | 'put';
  path: (id: string) => string;
  auth: () => Record<string, string>;
  /** A well-formed body; the generators break it in every way they can. */
  valid: () => Record<string, Json>;
}

/** Modest by default (2 cores, the whole e2e suite in ~2 minutes); FUZZ_RUNS=500 for a deeper hunt. */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** Printable ASCII only: anything else cannot be put in an HTTP header by the client at all. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const awkward = fc.constantFrom<Json>(null, '', ' ', -1, 0, 0.5, 1e308, -1e308, 2 ** 53 + 1, '۳۰۰۰۰۰۰۰', '__proto__', [], {}, true, 'NaN', '2026-13-45', { $gt: 0 });
const anyValue = fc.oneof(awkward, fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 30 }), fc.integer(), fc.double());
const fieldName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'nationalCode', 'role', 'status', 'revision', 'id'), fc.string({ minLength: 1, maxLength: 12 }));

/** Bodies that are never a valid command: random JSON, or a valid body with one thing broken. */
function brokenBody(valid: Record<string, Json>): fc.Arbitrary<{ raw: string }> {
  const keys = Object.keys(valid);
  const json = (value: Json) => ({ raw: JSON.stringify(value) ?? 'null' });
  const variants: Array<fc.Arbitrary<{ raw: string }>> = [
    fc.jsonValue({ maxDepth: 4 }).map(json),
    fc.string({ maxLength: 60 }).map((raw) => ({ raw })),
    fc.tuple(fieldName, anyValue).map(([key, value]) => json({ ...valid, [key]: value })),
  ];
  if (keys.length > 0) {
    variants.push(
      fc.tuple(fc.constantFrom(...keys), anyValue).map(([key, value]) => json({ ...valid, [key]: value })),
      fc.constantFrom(...keys).map((key) => json(Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key)))),
    );
    // A nested object (confirm, acceptTerms, documents…) broken one level down.
    const nested = keys.filter((k) => typeof valid[k] === 'object' && valid[k] !== null && !Array.isArray(valid[k]));
    if (nested.length > 0) {
      variants.push(
        fc.tuple(fc.constantFrom(...nested), fieldName, anyValue).map(([key, inner, value]) => json({ ...valid, [key]: { ...(valid[key] as object), [inner]: value } })),
      );
    }
  }
  return fc.oneof(...variants);
}

/** Mostly absent or well-formed, so bodies reach the validators and the domain; sometimes junk. */
const sometimes = <T>(wellFormed: fc.Arbitrary<T>, junk: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: wellFormed }, { weight: 1, arbitrary: junk });

const headers = fc.record({
  ifMatch: sometimes(fc.nat(6).map((n) => `"${n}"`), fc.oneof(headerText, fc.constantFrom('*', 'W/"1"', '"-1"', '"99999999999"'))),
  idempotencyKey: sometimes(fc.stringMatching(/^[a-z0-9-]{1,24}$/), fc.oneof(headerText, fc.constant('x'.repeat(201)))),
  contentType: fc.oneof(
    { weight: 4, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16') },
  ),
});

/**
 * Random and malformed bodies and headers on every command route, sent by a caller whose role may
 * call the route, against contracts where even a valid command would be refused (a terminated
 * contract, a person with an active contract, an ineligible applicant). So every answer must be a
 * 4xx problem, and the event store must not move.
 */
describe('e2e: property: malformed commands are 4xx problems and append nothing', () => {
  let t: TestApp;
  let terminated: ContractView;
  let owner: string;
  let activeHolder: { nationalCode: string; body: Record<string, Json> };
  const people = new People(Object.values(PEOPLE));

  beforeAll(async () => {
    t = await startTestApp();
    const exam = await examContract(t, people, 'failed');
    terminated = exam.contract;
    owner = terminated.nationalCode;
    await t
      .http()
      .post(`/v1/contracts/${terminated.id}/exam/determination`)
      .set(bearer(t.token({ role: 'branch_officer', branchId: terminated.branchId })))
      .send({ outcome: 'rejected', note: 'رد' })
      .expect(200);
    const holder = people.next().nationalCode;
    const { body } = await openBody(t, holder);
    await openOnline(t, holder);
    activeHolder = { nationalCode: holder, body };
  });
  afterAll(async () => {
    await t?.close();
  });

  const ROUTES: Route[] = [
    {
      name: 'POST /v1/quotes',
      method: 'post',
      path: () => '/v1/quotes',
      auth: () => bearer(t.token({ role: 'applicant', nationalCode: PEOPLE.insufficientHistory })),
      valid: () => ({ requestedMonthlyPremium: 30_000_000, startNextMonth: false }),
    },
    {
      name: 'POST /v1/contracts',
      method: 'post',
      path: () => '/v1/contracts',
      auth: () => bearer(t.token({ role: 'applicant', nationalCode: activeHolder.nationalCode })),
      valid: () => activeHolder.body,
    },
    {
      name: 'POST /v1/branch/contracts',
      method: 'post',
      path: () => '/v1/branch/contracts',
      auth: () => bearer(t.token({ role: 'branch_officer', branchId: '1001' })),
      valid: () => ({ ...activeHolder.body, nationalCode: activeHolder.nationalCode, documents: [{ kind: 'identity', reference: 'ID-1' }] }),
    },
    {
      name: 'PUT /v1/contracts/{id}/wage',
      method: 'put',
      path: (id) => `/v1/contracts/${id}/wage`,
      auth: () => bearer(t.token({ role: 'applicant', nationalCode: owner })),
      valid: () => ({ requestedMonthlyPremium: 40_000_000 }),
    },
    {
      name: 'POST /v1/payments',
      method: 'post',
      path: () => '/v1/payments',
      auth: () => bearer(t.token({ role: 'bank', bankId: 'mellat' })),
      valid: () => ({ contractId: terminated.id, periods: 1, amount: terminated.monthlyPremium, bankReference: 'FUZZ-1', paidAt: t.clock.now().toISOString() }),
    },
    {
      name: 'POST /v1/contracts/{id}/exam/referral',
      method: 'post',
      path: (id) => `/v1/contracts/${id}/exam/referral`,
      auth: () => bearer(t.token({ role: 'applicant', nationalCode: owner })),
      valid: () => ({}),
    },
    {
      name: 'POST /v1/contracts/{id}/exam/result',
      method: 'post',
      path: (id) => `/v1/contracts/${id}/exam/result`,
      auth: () => bearer(t.token({ role: 'examiner' })),
      valid: () => ({ result: 'passed' }),
    },
    {
      name: 'POST /v1/contracts/{id}/exam/determination',
      method: 'post',
      path: (id) => `/v1/contracts/${id}/exam/determination`,
      auth: () => bearer(t.token({ role: 'branch_officer', branchId: terminated.branchId })),
      valid: () => ({ outcome: 'cleared', note: 'بررسی شد' }),
    },
  ];

  const contractId = () =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(terminated.id) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 50 }).map(encodeURIComponent) },
    );

  it.each(ROUTES.map((route) => [route.name, route] as const))('%s', async (_name, route) => {
    const head = await settledHead(t);
    const stored = await storedEventCount(t);
    await fc.assert(
      fc.asyncProperty(brokenBody(route.valid()), headers, contractId(), async ({ raw }, h, id) => {
        let request = t.http()[route.method](route.path(id)).set(route.auth()).set('Content-Type', h.contentType);
        if (h.ifMatch !== undefined) request = request.set('If-Match', h.ifMatch);
        if (h.idempotencyKey !== undefined) request = request.set('Idempotency-Key', h.idempotencyKey);
        const res: Response = await request.send(raw);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: res.status, code: expect.stringMatching(/^[A-Z_]+$/), detail: expect.any(String), detailFa: expect.any(String) });
        // headPosition as the brief asks, and the rows themselves, which no visibility horizon can hide.
        expect(await t.runtime.eventStore.headPosition()).toBe(head);
        expect(await storedEventCount(t)).toBe(stored);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
