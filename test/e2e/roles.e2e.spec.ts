import type { Test } from 'supertest';
import { PEOPLE, startTestApp, type TestApp } from './support/test-app';
import { bearer, examContract, expectProblem, openBody, openOnline, People, type ContractView, settledHead } from './support/scenario';

type ActorKey = 'applicant' | 'branch_officer' | 'bank' | 'examiner' | 'auditor' | 'ops' | 'none';
const ACTORS: ActorKey[] = ['applicant', 'branch_officer', 'bank', 'examiner', 'auditor', 'ops', 'none'];

/** What a call acts on. The applicant is its owner and the officer works at its branch ("own"). */
interface Fixture {
  nationalCode: string;
  branchId: string;
  contract: ContractView;
  /** A body the call sends when it needs one built from the fixture (the open commands). */
  body?: Record<string, unknown>;
}

interface Endpoint {
  name: string;
  allowed: ActorKey[];
  success: number;
  /** Allowed cells change state, so each gets its own fixture; refused ones share one. */
  fresh?: () => Promise<Fixture>;
  send: (f: Fixture, auth: Record<string, string>) => Test;
}

/**
 * API.md's role table, cell by cell, for every endpoint that takes a token (commands, stream
 * queries, read models, audit, dashboard, notifications, the test clock): each role (and
 * no token) on each endpoint; allowed ones succeed, the rest are 401 (no token) or 403 (role).
 * Then the ownership rows: someone else's contract or another branch's is 404 (or 403 on the list).
 */
describe('e2e: role × endpoint matrix', () => {
  let t: TestApp;
  let shared: Fixture;
  const people = new People(Object.values(PEOPLE));

  beforeAll(async () => {
    t = await startTestApp();
    const person = people.next();
    const { contract } = await openOnline(t, person.nationalCode);
    shared = { nationalCode: person.nationalCode, branchId: person.branchId, contract };
  });
  afterAll(async () => {
    await t?.close();
  });

  const tokenFor = (actor: ActorKey, f: Fixture): Record<string, string> => {
    switch (actor) {
      case 'none':
        return {};
      case 'applicant':
        return bearer(t.token({ role: 'applicant', nationalCode: f.nationalCode }));
      case 'branch_officer':
        return bearer(t.token({ role: 'branch_officer', branchId: f.branchId }));
      case 'bank':
        return bearer(t.token({ role: 'bank', bankId: 'mellat' }));
      default:
        return bearer(t.token({ role: actor }));
    }
  };

  const freshContract = async (): Promise<Fixture> => {
    const person = people.next();
    const { contract } = await openOnline(t, person.nationalCode);
    return { nationalCode: person.nationalCode, branchId: person.branchId, contract };
  };
  const examFixture = (step: 'paid' | 'referred' | 'failed') => async (): Promise<Fixture> => {
    const { contract } = await examContract(t, people, step);
    return { nationalCode: contract.nationalCode, branchId: contract.branchId, contract };
  };
  const openFixture = async (): Promise<Fixture> => {
    const person = people.next();
    const { body } = await openBody(t, person.nationalCode);
    return { ...shared, nationalCode: person.nationalCode, body };
  };
  const paymentBody = (f: Fixture) => ({
    contractId: f.contract.id,
    periods: 1,
    amount: f.contract.monthlyPremium,
    bankReference: `MATRIX-${f.contract.id.slice(0, 8)}`,
    paidAt: t.clock.now().toISOString(),
  });
  const id = (f: Fixture) => f.contract.id;

  const ENDPOINTS: Endpoint[] = [
    {
      name: 'POST /v1/quotes',
      allowed: ['applicant'],
      success: 200,
      send: (_f, auth) => t.http().post('/v1/quotes').set(auth).send({ requestedMonthlyPremium: 30_000_000 }),
    },
    {
      name: 'POST /v1/contracts',
      allowed: ['applicant'],
      success: 201,
      fresh: openFixture,
      send: (f, auth) => t.http().post('/v1/contracts').set(auth).send(f.body ?? {}),
    },
    {
      name: 'POST /v1/branch/contracts',
      allowed: ['branch_officer'],
      success: 201,
      fresh: openFixture,
      send: (f, auth) => t.http().post('/v1/branch/contracts').set(auth).send({ ...f.body, nationalCode: f.nationalCode, documents: [] }),
    },
    {
      name: 'PUT /v1/contracts/{id}/wage',
      allowed: ['applicant'],
      success: 200,
      fresh: freshContract,
      send: (f, auth) => t.http().put(`/v1/contracts/${id(f)}/wage`).set(auth).send({ requestedMonthlyPremium: 41_000_000 }),
    },
    {
      name: 'POST /v1/payments',
      allowed: ['bank'],
      success: 201,
      fresh: freshContract,
      send: (f, auth) => t.http().post('/v1/payments').set(auth).send(paymentBody(f)),
    },
    {
      name: 'POST /v1/contracts/{id}/exam/referral',
      allowed: ['applicant'],
      success: 201,
      fresh: examFixture('paid'),
      send: (f, auth) => t.http().post(`/v1/contracts/${id(f)}/exam/referral`).set(auth),
    },
    {
      name: 'POST /v1/contracts/{id}/exam/result',
      allowed: ['examiner'],
      success: 200,
      fresh: examFixture('referred'),
      send: (f, auth) => t.http().post(`/v1/contracts/${id(f)}/exam/result`).set(auth).send({ result: 'passed' }),
    },
    {
      name: 'POST /v1/contracts/{id}/exam/determination',
      allowed: ['branch_officer'],
      success: 200,
      fresh: examFixture('failed'),
      send: (f, auth) => t.http().post(`/v1/contracts/${id(f)}/exam/determination`).set(auth).send({ outcome: 'cleared', note: 'بررسی شد' }),
    },
    {
      name: 'GET /v1/contracts/{id}',
      allowed: ['applicant', 'branch_officer', 'auditor'],
      success: 200,
      send: (f, auth) => t.http().get(`/v1/contracts/${id(f)}`).set(auth),
    },
    {
      name: 'GET /v1/terms',
      allowed: ['applicant', 'branch_officer', 'bank', 'examiner', 'auditor', 'ops'],
      success: 200,
      send: (_f, auth) => t.http().get('/v1/terms').set(auth),
    },
    {
      name: 'GET /v1/contracts?nationalCode=',
      allowed: ['applicant', 'branch_officer', 'auditor'],
      success: 200,
      send: (f, auth) => t.http().get('/v1/contracts').query({ nationalCode: f.nationalCode }).set(auth),
    },
    {
      name: 'GET /v1/contracts/{id}/events',
      allowed: ['applicant', 'auditor'],
      success: 200,
      send: (f, auth) => t.http().get(`/v1/contracts/${id(f)}/events`).set(auth),
    },
    {
      name: 'GET /v1/contracts/{id}/state',
      allowed: ['auditor'],
      success: 200,
      send: (f, auth) => t.http().get(`/v1/contracts/${id(f)}/state`).query({ revision: 0 }).set(auth),
    },
    {
      name: 'GET /v1/contracts/{id}/document',
      allowed: ['applicant', 'branch_officer', 'auditor'],
      success: 200,
      send: (f, auth) => t.http().get(`/v1/contracts/${id(f)}/document`).set(auth),
    },
    {
      name: 'GET /v1/contracts/{id}/slips',
      allowed: ['applicant', 'branch_officer', 'bank', 'auditor'],
      success: 200,
      send: (f, auth) => t.http().get(`/v1/contracts/${id(f)}/slips`).set(auth),
    },
    {
      name: 'GET /v1/eligibility/{nationalCode}',
      allowed: ['applicant', 'auditor', 'ops'],
      success: 200,
      send: (f, auth) => t.http().get(`/v1/eligibility/${f.nationalCode}`).set(auth),
    },
    {
      name: 'GET /v1/audit/events',
      allowed: ['auditor'],
      success: 200,
      send: (_f, auth) => t.http().get('/v1/audit/events').set(auth),
    },
    {
      name: 'GET /v1/audit/head',
      allowed: ['auditor'],
      success: 200,
      send: (_f, auth) => t.http().get('/v1/audit/head').set(auth),
    },
    {
      name: 'GET /v1/dashboard/branches',
      allowed: ['ops', 'branch_officer'],
      success: 200,
      send: (_f, auth) => t.http().get('/v1/dashboard/branches').set(auth),
    },
    {
      name: 'GET /v1/notifications?contractId=',
      allowed: ['ops', 'auditor'],
      success: 200,
      send: (f, auth) => t.http().get('/v1/notifications').query({ contractId: id(f) }).set(auth),
    },
    {
      name: 'GET /v1/_test/clock',
      allowed: ['ops'],
      success: 200,
      send: (_f, auth) => t.http().get('/v1/_test/clock').set(auth),
    },
    {
      // To where it is: moving the clock for every deadline is ops' alone.
      name: 'PUT /v1/_test/clock',
      allowed: ['ops'],
      success: 200,
      send: (_f, auth) => t.http().put('/v1/_test/clock').set(auth).send({ now: t.clock.now().toISOString() }),
    },
  ];

  const cells = ENDPOINTS.flatMap((endpoint) =>
    ACTORS.map((actor) => {
      const allowed = endpoint.allowed.includes(actor);
      const expected = allowed ? endpoint.success : actor === 'none' ? 401 : 403;
      return { endpoint, actor, allowed, expected, title: `${endpoint.name} as ${actor} → ${expected}` };
    }),
  );

  it.each(cells)('$title', async ({ endpoint, actor, allowed, expected }) => {
    const fixture = allowed && endpoint.fresh ? await endpoint.fresh() : shared;
    const res = await endpoint.send(fixture, tokenFor(actor, fixture));
    if (!allowed) {
      expectProblem(res, expected, expected === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
      return;
    }
    if (res.status !== expected) throw new Error(`expected ${expected}, got ${res.status} ${JSON.stringify(res.body)}`);
    if (endpoint.name === 'GET /v1/contracts?nationalCode=') expect(res.body.items.map((c: ContractView) => c.id)).toEqual([shared.contract.id]);
    if (endpoint.name === 'GET /v1/contracts/{id}') expect(res.body.id).toBe(shared.contract.id);
  });

  describe('someone else’s contract, another branch', () => {
    const otherApplicant = () => bearer(t.token({ role: 'applicant', nationalCode: people.nextOutside(shared.branchId).nationalCode }));
    const otherOfficer = () => bearer(t.token({ role: 'branch_officer', branchId: '9999' }));

    it.each([
      ['PUT /v1/contracts/{id}/wage', (auth: Record<string, string>) => t.http().put(`/v1/contracts/${id(shared)}/wage`).set(auth).send({ requestedMonthlyPremium: 41_000_000 })],
      ['POST /v1/contracts/{id}/exam/referral', (auth: Record<string, string>) => t.http().post(`/v1/contracts/${id(shared)}/exam/referral`).set(auth)],
      ['GET /v1/contracts/{id}', (auth: Record<string, string>) => t.http().get(`/v1/contracts/${id(shared)}`).set(auth)],
      ['GET /v1/contracts/{id}/events', (auth: Record<string, string>) => t.http().get(`/v1/contracts/${id(shared)}/events`).set(auth)],
      ['GET /v1/contracts/{id}/document', (auth: Record<string, string>) => t.http().get(`/v1/contracts/${id(shared)}/document`).set(auth)],
    ])('%s by another applicant → 404, nothing appended', async (_name, send) => {
      const head = await settledHead(t);
      expectProblem(await send(otherApplicant()), 404, 'NOT_FOUND');
      expect(await t.runtime.eventStore.headPosition()).toBe(head);
    });

    it("GET /v1/contracts?nationalCode= of someone else by an applicant → 403", async () => {
      expectProblem(await t.http().get('/v1/contracts').query({ nationalCode: shared.nationalCode }).set(otherApplicant()), 403, 'FORBIDDEN');
    });

    it.each([
      ['POST /v1/contracts/{id}/exam/determination', (auth: Record<string, string>) => t.http().post(`/v1/contracts/${id(shared)}/exam/determination`).set(auth).send({ outcome: 'cleared', note: 'x' })],
      ['GET /v1/contracts/{id}', (auth: Record<string, string>) => t.http().get(`/v1/contracts/${id(shared)}`).set(auth)],
      ['GET /v1/contracts/{id}/document', (auth: Record<string, string>) => t.http().get(`/v1/contracts/${id(shared)}/document`).set(auth)],
    ])('%s by an officer of another branch → 404', async (_name, send) => {
      expectProblem(await send(otherOfficer()), 404, 'NOT_FOUND');
    });

    it('GET /v1/contracts?nationalCode= by an officer of another branch lists none of it', async () => {
      const res = await t.http().get('/v1/contracts').query({ nationalCode: shared.nationalCode }).set(otherOfficer()).expect(200);
      expect(res.body.items).toEqual([]);
    });
  });
});
