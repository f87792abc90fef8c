import type { Response, Test } from 'supertest';
import { waitFor } from '../../../../libs/projections/src/testing/wait';
import { People, bearer, examContract, openBody, openOnline, pay, type ContractView } from '../../../../test/e2e/support/scenario';
import { PEOPLE, startTestApp, type TestApp } from '../../../../test/e2e/support/test-app';
import { ERROR_CATALOG, type PublicErrorCode } from './error-catalog';

interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
}
interface Operation {
  tags?: string[];
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Routes without a token: their errors are not the guard's. */
const PUBLIC = ['GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /dashboard'];

describe('GET /docs-json describes what the API answers', () => {
  let t: TestApp;
  let doc: Document;
  const people = new People(Object.values(PEOPLE));
  /** Every route an answer was checked for, so the last test can name the routes none was. */
  const visited = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs-json').expect(200)).body as Document;
  });
  afterAll(() => t?.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
  const operation = (route: string): Operation => {
    const [method, path] = route.split(' ');
    const found = doc.paths[path!]?.[method!.toLowerCase()];
    if (!found) throw new Error(`${route} is not in the document`);
    return found;
  };
  const schemaNamed = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')]!;
  const headerParameters = (op: Operation) => (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
  const problemCodes = (op: Operation, status: number) => op.responses[status]?.content?.['application/problem+json']?.schema.allOf?.[1]?.properties?.code?.enum;

  /** allOf parts merged into one object schema, references followed. */
  function flat(schema: Schema): Schema {
    if (schema.$ref) return flat(schemaNamed(schema.$ref));
    if (!schema.allOf) return schema;
    return schema.allOf.map(flat).reduce((all, part) => ({
      ...all,
      ...part,
      properties: { ...all.properties, ...part.properties },
      required: [...(all.required ?? []), ...(part.required ?? [])],
      additionalProperties: all.additionalProperties === true || part.additionalProperties === true,
    }));
  }

  /** Where a value departs from a schema: a missing, undocumented, mistyped or out-of-enum field. */
  function mismatches(value: unknown, original: Schema, at: string): string[] {
    const schema = flat(original);
    // OpenAPI 3.0.3: `nullable` does not widen an `enum`; null must be one of its values too.
    if (value === null) return schema.nullable && (!schema.enum || schema.enum.includes(null)) ? [] : [`${at} is null`];
    if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
    switch (schema.type) {
      case 'object': {
        if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
        const record = value as Record<string, unknown>;
        const properties = schema.properties ?? {};
        const missing = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${at}.${key} is missing`);
        return missing.concat(
          Object.entries(record).flatMap(([key, item]) => {
            if (properties[key]) return mismatches(item, properties[key], `${at}.${key}`);
            if (typeof schema.additionalProperties === 'object') return mismatches(item, schema.additionalProperties, `${at}.${key}`);
            return schema.additionalProperties === true ? [] : [`${at}.${key} is not documented`];
          }),
        );
      }
      case 'array':
        return Array.isArray(value) ? value.flatMap((item, i) => mismatches(item, schema.items!, `${at}[${i}]`)) : [`${at} is not an array`];
      case 'integer':
        return Number.isInteger(value) ? [] : [`${at} is not an integer`];
      case 'number':
      case 'string':
      case 'boolean':
        return typeof value === schema.type ? [] : [`${at} is not a ${schema.type}`];
      default:
        return [];
    }
  }

  /**
   * The answer's status, media type, body and headers are what the document says for the route
   * (of the headers, `Idempotent-Replayed` only on a replay, `Retry-After` on a 409 only with
   * CONCURRENCY_CONFLICT).
   */
  function expectDocumented(route: string, res: Response, { replayed = false } = {}): void {
    visited.add(route);
    const response = operation(route).responses[res.status];
    if (!response) throw new Error(`${route} answered ${res.status}, which is not documented: ${res.text}`);
    const mediaType = String(res.headers['content-type']).split(';')[0]!;
    const content = response.content?.[mediaType];
    if (!content) throw new Error(`${route} ${res.status} answered ${mediaType}, documented: ${Object.keys(response.content ?? {}).join(', ')}`);
    const body: unknown = /[/+]json$/.test(mediaType) ? res.body : res.text;
    expect({ route, status: res.status, mismatches: mismatches(body, content.schema, 'body') }).toEqual({ route, status: res.status, mismatches: [] });
    for (const name of Object.keys(response.headers ?? {})) {
      if (name === 'Idempotent-Replayed' && !replayed) continue;
      if (name === 'Retry-After' && res.status === 409 && res.body?.code !== 'CONCURRENCY_CONFLICT') continue;
      expect({ route, header: name, sent: name.toLowerCase() in res.headers }).toEqual({ route, header: name, sent: true });
    }
    if (replayed) expect({ route, replayed: res.headers['idempotent-replayed'] }).toEqual({ route, replayed: 'true' });
  }

  /** Sends the request, expects `status`, and checks the answer against the document. */
  async function answers(route: string, status: number, request: Test, options: { replayed?: boolean } = {}): Promise<Response> {
    const res = await request;
    if (res.status !== status) throw new Error(`${route}: expected ${status}, got ${res.status} ${res.text}`);
    expectDocumented(route, res, options);
    return res;
  }

  it('types money and counts as integers: the only fractional number is the premium rate', () => {
    const numbers: string[] = [];
    const walk = (schema: Schema | undefined, at: string) => {
      if (!schema) return;
      if ((schema as { type?: string }).type === 'number') numbers.push(at);
      for (const [name, property] of Object.entries(schema.properties ?? {})) walk(property, `${at}.${name}`);
      walk((schema as { items?: Schema }).items, `${at}[]`);
      for (const part of schema.allOf ?? []) walk(part, at);
    };
    for (const [name, schema] of Object.entries(doc.components.schemas)) walk(schema, name);
    expect(numbers.map((at) => at.split('.').pop())).toEqual(numbers.map(() => 'premiumRate'));
    expect(numbers.length).toBeGreaterThan(0);
  });

  it('types every parameter: contract ids as UUIDs, counts as integers, none left without a schema', () => {
    for (const { route, op } of operations()) {
      for (const parameter of (op.parameters ?? []) as { name: string; in: string; schema?: Schema & { format?: string } }[]) {
        expect({ route, parameter: parameter.name, typed: typeof parameter.schema?.type === 'string' }).toEqual({ route, parameter: parameter.name, typed: true });
        if (parameter.in === 'path' && parameter.name === 'id') expect({ route, format: parameter.schema!.format }).toEqual({ route, format: 'uuid' });
      }
    }
    const auditQuery = Object.fromEntries((operation('GET /v1/audit/events').parameters as unknown as { name: string; schema: { type: string } }[]).map((p) => [p.name, p.schema.type]));
    expect(auditQuery).toMatchObject({ limit: 'integer', fromPosition: 'string' });
  });

  it('closes every request body to unknown fields and states the limits the validation pipe enforces', async () => {
    const bodies = operations().flatMap(({ route, op }) => {
      const content = (op as { requestBody?: { content: Record<string, { schema: Schema }> } }).requestBody?.content;
      return content ? [{ route, schema: content['application/json']!.schema }] : [];
    });
    expect(bodies.length).toBeGreaterThan(5);
    // Every object schema a body reaches, its nested ones too, refuses what it does not name (as the pipe does).
    const open: string[] = [];
    const visit = (schema: Schema, at: string): void => {
      if (schema.$ref) return visit(schemaNamed(schema.$ref), `${at}>${schema.$ref.split('/').pop()}`);
      for (const part of schema.allOf ?? []) visit(part, at);
      if (schema.items) visit(schema.items, `${at}[]`);
      if (schema.properties && schema.additionalProperties !== false) open.push(at);
      for (const [name, property] of Object.entries(schema.properties ?? {})) visit(property, `${at}.${name}`);
    };
    for (const { route, schema } of bodies) visit(schema, route);
    expect(open).toEqual([]);
    const property = (dto: string, name: string) => doc.components.schemas[dto]!.properties![name] as Record<string, unknown>;
    expect(property('ConfirmPaymentDto', 'bankReference')).toMatchObject({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' });
    expect(property('ConfirmPaymentDto', 'amount')).toMatchObject({ minimum: 0, exclusiveMinimum: true, maximum: 1e12 });
    expect(property('AcceptTermsDto', 'version')).toMatchObject({ maxLength: 40 });
    expect(property('CorrectionsDto', 'address')).toMatchObject({ maxLength: 300 });
    expect(property('BranchOpenContractDto', 'documents')).toMatchObject({ maxItems: 10 });
    expect(property('ConfirmDto', 'startDate')).toMatchObject({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
    // The document's limit is the pipe's: one character over it is refused.
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const over = 'R'.repeat((property('ConfirmPaymentDto', 'bankReference').maxLength as number) + 1);
    const res = await t.http().post('/v1/payments').set(bank).send({ contractId: '00000000-0000-4000-8000-000000000000', periods: 1, amount: 1, bankReference: over, paidAt: '2026-12-01T08:00:00Z' });
    expect([res.status, res.body.errors?.map((e: { field: string }) => e.field)]).toEqual([400, ['bankReference']]);
  });

  it('defines a reusable RFC 9457 Problem schema', () => {
    const problem = doc.components.schemas.Problem!;
    expect(problem.required).toEqual(['type', 'title', 'status', 'code', 'detail', 'detailFa']);
    expect(Object.keys(problem.properties!)).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code', 'detail', 'detailFa', 'errors']));
    expect(problem.properties!.errors).toMatchObject({ type: 'array', items: { required: ['field', 'message', 'messageFa'] } });
    expect(problem.additionalProperties).toBe(true); // occurrence details: reasons, minPremium, currentRevision…
  });

  it('documents every error as problem+json with codes of its status, and 401 on every route behind the guard', () => {
    for (const { route, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses).filter(([status]) => Number(status) >= 400)) {
        expect({ route, status, media: Object.keys(response.content ?? {}) }).toEqual({ route, status, media: ['application/problem+json'] });
        expect(response.content!['application/problem+json']!.schema.allOf![0]).toEqual({ $ref: '#/components/schemas/Problem' });
        const codes = problemCodes(op, Number(status)) as PublicErrorCode[];
        for (const code of codes) expect({ route, code, status: ERROR_CATALOG[code].status }).toEqual({ route, code, status: Number(status) });
      }
      if (!PUBLIC.includes(route)) expect({ route, codes: problemCodes(op, 401) }).toEqual({ route, codes: ['UNAUTHENTICATED'] });
    }
  });

  it.each([
    ['POST /v1/quotes', { 400: 'VALIDATION_FAILED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 422: 'NOT_ELIGIBLE' }],
    ['POST /v1/contracts', { 404: 'NOT_FOUND', 409: 'ACTIVE_CONTRACT_EXISTS', 422: 'BRANCH_VISIT_REQUIRED', 503: 'SERVICE_UNAVAILABLE' }],
    ['POST /v1/branch/contracts', { 409: 'IDEMPOTENCY_KEY_REUSED', 422: 'DOCUMENTS_REQUIRED' }],
    ['PUT /v1/contracts/{id}/wage', { 404: 'NOT_FOUND', 409: 'CONCURRENCY_CONFLICT', 412: 'PRECONDITION_FAILED', 422: 'WAGE_CHANGE_NOT_ALLOWED' }],
    ['POST /v1/payments', { 409: 'IDEMPOTENCY_KEY_REUSED', 412: 'PRECONDITION_FAILED', 422: 'PAYMENTS_BLOCKED', 503: 'SERVICE_UNAVAILABLE' }],
    ['POST /v1/contracts/{id}/exam/referral', { 412: 'PRECONDITION_FAILED', 422: 'EXAM_NOT_REQUIRED' }],
    ['POST /v1/contracts/{id}/exam/determination', { 400: 'VALIDATION_FAILED', 422: 'EXAM_STEP_NOT_ALLOWED' }],
    ['GET /v1/contracts/{id}', { 400: 'VALIDATION_FAILED', 404: 'NOT_FOUND', 503: 'SERVICE_UNAVAILABLE' }],
    ['GET /v1/contracts/{id}/state', { 404: 'NOT_FOUND' }],
    ['GET /v1/contracts/{id}/slips', { 404: 'NOT_FOUND', 503: 'SERVICE_UNAVAILABLE' }],
    ['GET /v1/eligibility/{nationalCode}', { 400: 'VALIDATION_FAILED', 403: 'FORBIDDEN', 503: 'SERVICE_UNAVAILABLE' }],
    ['GET /health/ready', { 503: 'SERVICE_UNAVAILABLE' }],
  ] as const)('%s documents the problems it gives', (route, expected) => {
    for (const [status, code] of Object.entries(expected)) expect(problemCodes(operation(route), Number(status))).toContain(code);
  });

  it('documents X-Checkpoint as a response header of the read models, never as a request header', () => {
    for (const { route, op } of operations()) expect({ route, headers: headerParameters(op) }).not.toEqual({ route, headers: expect.arrayContaining(['X-Checkpoint']) });
    for (const route of ['GET /v1/contracts/{id}/slips', 'GET /v1/eligibility/{nationalCode}', 'GET /v1/notifications', 'GET /v1/dashboard/branches', 'GET /v1/audit/head']) {
      expect(Object.keys(operation(route).responses[200]!.headers ?? {})).toContain('X-Checkpoint');
    }
  });

  it('documents Idempotency-Key on every command and If-Match on every command on an existing contract', () => {
    const commands = operations().filter(({ op }) => op.tags?.includes('commands'));
    expect(commands.map(({ route }) => route)).toEqual(expect.arrayContaining(['POST /v1/contracts', 'POST /v1/payments', 'PUT /v1/contracts/{id}/wage']));
    for (const { route, op } of commands) expect({ route, headers: headerParameters(op) }).toEqual({ route, headers: expect.arrayContaining(['Idempotency-Key']) });
    for (const { route, op } of commands.filter(({ route }) => route.includes('{id}') || route === 'POST /v1/payments')) {
      expect({ route, headers: headerParameters(op) }).toEqual({ route, headers: expect.arrayContaining(['If-Match']) });
    }
  });

  it("documents a bank's answer without the person's contract view", () => {
    const fields = (route: string, status: number) => {
      const schema = flat(operation(route).responses[status]!.content!['application/json']!.schema);
      return Object.keys(schema.properties ?? {}).sort();
    };
    for (const status of [200, 201]) {
      expect(fields('POST /v1/payments', status)).toEqual(['amount', 'bankReference', 'contractId', 'paidThrough', 'paidThroughJalali', 'paymentId', 'periods']);
    }
  });

  it('answers commands, and refuses them, as documented', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    const owner = bearer(token);
    const bank = bearer(t.token({ role: 'bank', bankId: 'mellat' }));
    const payment = { contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference: `DOC-${contract.id}`, paidAt: t.clock.now().toISOString() };

    expectDocumented('POST /v1/quotes', await t.http().post('/v1/quotes').set(owner).send({ requestedMonthlyPremium: 30_000_000 }));
    const wage = await t.http().put(`/v1/contracts/${contract.id}/wage`).set(owner).set('If-Match', '"0"').send({ requestedMonthlyPremium: 35_000_000 });
    expectDocumented('PUT /v1/contracts/{id}/wage', wage);
    const monthlyPremium = wage.body.monthlyPremium as number;

    // If-Match is honoured on payments: a stale revision appends nothing.
    const stale = await t.http().post('/v1/payments').set(bank).set('If-Match', '"0"').send({ ...payment, amount: monthlyPremium });
    expect(stale.status).toBe(412);
    expectDocumented('POST /v1/payments', stale);
    expectDocumented('POST /v1/payments', await t.http().post('/v1/payments').set(bank).send({ ...payment, bankReference: 'DOC-WRONG', amount: 1 }));
    const future = await t.http().post('/v1/payments').set(bank).send({ ...payment, bankReference: 'DOC-FUTURE', amount: monthlyPremium, paidAt: '2030-01-01T00:00:00Z' });
    expect([future.status, future.body.code]).toEqual([422, 'PAID_AT_IMPLAUSIBLE']);
    expectDocumented('POST /v1/payments', future);
    const paid = await t.http().post('/v1/payments').set(bank).set('If-Match', `"${wage.body.revision}"`).send({ ...payment, amount: monthlyPremium });
    expect(paid.status).toBe(201);
    expectDocumented('POST /v1/payments', paid);
    const repeated = await t.http().post('/v1/payments').set(bank).set('If-Match', `"${wage.body.revision}"`).send({ ...payment, amount: monthlyPremium });
    expect(repeated.status).toBe(200);
    expectDocumented('POST /v1/payments', repeated, { replayed: true });
    expectDocumented('POST /v1/payments', await t.http().post('/v1/payments').set(bank).send({ ...payment, amount: 2 * monthlyPremium, periods: 2 }));

    expectDocumented('POST /v1/contracts/{id}/exam/referral', await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(owner));
    expectDocumented('POST /v1/contracts', await t.http().post('/v1/contracts').set(owner).send({}));
    expectDocumented('GET /v1/contracts/{id}', await t.http().get(`/v1/contracts/${contract.id}`));
  });

  it('requires the note of an exam determination (the domain refuses one without it)', async () => {
    const determination = doc.components.schemas.ExamDeterminationDto!;
    expect(determination.required).toEqual(expect.arrayContaining(['outcome', 'note']));

    const { token, contract } = await examContract(t, people, 'paid');
    const referral = await t.http().post(`/v1/contracts/${contract.id}/exam/referral`).set(bearer(token));
    expect(referral.status).toBe(201);
    expectDocumented('POST /v1/contracts/{id}/exam/referral', referral);
    const result = await t.http().post(`/v1/contracts/${contract.id}/exam/result`).set(bearer(t.token({ role: 'examiner' }))).send({ result: 'failed' });
    expectDocumented('POST /v1/contracts/{id}/exam/result', result);

    const officer = bearer(t.token({ role: 'branch_officer', branchId: contract.branchId }));
    const url = `/v1/contracts/${contract.id}/exam/determination`;
    const withoutNote = await t.http().post(url).set(officer).send({ outcome: 'cleared' });
    expect(withoutNote.status).toBe(400);
    expect(withoutNote.body.errors).toEqual([{ field: 'note', message: 'note is required', messageFa: '«note» الزامی است' }]);
    expectDocumented('POST /v1/contracts/{id}/exam/determination', withoutNote);
    const made = await t.http().post(url).set(officer).send({ outcome: 'cleared', note: 'مدارک پزشکی بررسی شد' });
    expect(made.status).toBe(200);
    expectDocumented('POST /v1/contracts/{id}/exam/determination', made);
  });

  it('answers queries and read models as documented', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    expect((await pay(t, contract)).status).toBe(201);
    const owner = bearer(token);
    const auditor = bearer(t.token({ role: 'auditor' }));
    const ops = bearer(t.token({ role: 'ops' }));
    /** A read model answers once it has caught up (404 or 503 before). */
    const caughtUp = (url: string, auth: Record<string, string>) => waitFor(async () => ((res) => res.status === 200 && res)(await t.http().get(url).set(auth)), url);

    expectDocumented('GET /v1/terms', await t.http().get('/v1/terms').set(owner));
    expectDocumented('GET /v1/contracts', await t.http().get(`/v1/contracts?nationalCode=${contract.nationalCode}`).set(owner));
    expectDocumented('GET /v1/contracts/{id}', await t.http().get(`/v1/contracts/${contract.id}`).set(owner));
    expectDocumented('GET /v1/contracts/{id}/events', await t.http().get(`/v1/contracts/${contract.id}/events`).set(owner));
    expectDocumented('GET /v1/contracts/{id}/state', await t.http().get(`/v1/contracts/${contract.id}/state?revision=0`).set(auditor));
    expectDocumented('GET /v1/contracts/{id}/state', await t.http().get(`/v1/contracts/${contract.id}/state?revision=99`).set(auditor));
    expectDocumented('GET /v1/contracts/{id}/document', await t.http().get(`/v1/contracts/${contract.id}/document`).set(owner));
    expectDocumented('GET /v1/contracts/{id}', await t.http().get('/v1/contracts/not-an-id').set(owner));
    expectDocumented('GET /v1/contracts/{id}', await t.http().get(`/v1/contracts/${contract.id}`).set(bearer(t.token({ role: 'examiner' }))));

    expectDocumented('GET /v1/contracts/{id}/slips', await caughtUp(`/v1/contracts/${contract.id}/slips`, owner));
    expectDocumented('GET /v1/eligibility/{nationalCode}', await caughtUp(`/v1/eligibility/${contract.nationalCode}`, owner));
    expectDocumented('GET /v1/notifications', await caughtUp(`/v1/notifications?contractId=${contract.id}`, ops));
    expectDocumented('GET /v1/dashboard/branches', await caughtUp('/v1/dashboard/branches', ops));
    expectDocumented('GET /v1/audit/head', await caughtUp('/v1/audit/head', auditor));
    expectDocumented('GET /v1/audit/events', await t.http().get('/v1/audit/events?limit=5').set(auditor));
    expectDocumented('GET /v1/_test/clock', await t.http().get('/v1/_test/clock').set(ops));
    expectDocumented('GET /metrics', await t.http().get('/metrics'));
  });

  // The answers API.md names and the HTTP layer's own, route by route.
  const auth = (actor: Parameters<TestApp['token']>[0]) => bearer(t.token(actor));
  const tooLong = 'a'.repeat(150);

  it('conclusion: terms, quotes and opens, online and at a branch', async () => {
    const person = people.next();
    const applicant = auth({ role: 'applicant', nationalCode: person.nationalCode });
    await answers('GET /v1/terms', 200, t.http().get('/v1/terms').set(applicant));
    await answers('GET /v1/terms', 401, t.http().get('/v1/terms'));
    await answers('POST /v1/quotes', 200, t.http().post('/v1/quotes').set(applicant).send({ requestedMonthlyPremium: 30_000_000 }));
    await answers('POST /v1/quotes', 422, t.http().post('/v1/quotes').set(applicant).send({ requestedMonthlyPremium: 1 }));
    await answers('POST /v1/quotes', 400, t.http().post('/v1/quotes').set(applicant).send({ requestedMonthlyPremium: 'many' }));
    await answers('POST /v1/quotes', 400, t.http().post('/v1/quotes').set(applicant).set('Content-Type', 'application/json').send('{'));
    await answers('POST /v1/quotes', 415, t.http().post('/v1/quotes').set(applicant).set('Content-Type', 'text/plain').send('x'));
    await answers('POST /v1/quotes', 403, t.http().post('/v1/quotes').set(auth({ role: 'bank', bankId: 'mellat' })).send({ requestedMonthlyPremium: 30_000_000 }));
    await answers('POST /v1/quotes', 422, t.http().post('/v1/quotes').set(auth({ role: 'applicant', nationalCode: PEOPLE.insufficientHistory })).send({ requestedMonthlyPremium: 30_000_000 }));

    const { body } = await openBody(t, person.nationalCode);
    const open = () => t.http().post('/v1/contracts').set(applicant).set('Idempotency-Key', `open-${person.nationalCode}`);
    await answers('POST /v1/contracts', 422, t.http().post('/v1/contracts').set(applicant).send({ ...body, acceptTerms: { version: '1300.1' } }));
    await answers('POST /v1/contracts', 201, open().send(body));
    await answers('POST /v1/contracts', 201, open().send(body), { replayed: true });
    await answers('POST /v1/contracts', 409, open().send({ ...body, requestedMonthlyPremium: 31_000_000 }));
    await answers('POST /v1/contracts', 409, t.http().post('/v1/contracts').set(applicant).send(body));
    await answers('POST /v1/contracts', 400, t.http().post('/v1/contracts').set(applicant).set('Idempotency-Key', 'x'.repeat(201)).send(body));
    await answers('POST /v1/contracts', 422, t.http().post('/v1/contracts').set(auth({ role: 'applicant', nationalCode: PEOPLE.minor16 })).send(body));

    const officer = auth({ role: 'branch_officer', branchId: '2101' }); // the minor's branch
    const branchBody = { ...(await openBody(t, PEOPLE.minor16)).body, nationalCode: PEOPLE.minor16 };
    const branchOpen = (documents: unknown[]) => t.http().post('/v1/branch/contracts').set(officer).send({ ...branchBody, documents });
    await answers('POST /v1/branch/contracts', 422, branchOpen([{ kind: 'identity', reference: 'ID-1' }]));
    await answers('POST /v1/branch/contracts', 201, branchOpen([{ kind: 'growth_certificate', reference: 'GC-1' }, { kind: 'identity', reference: 'ID-1' }]));
    await answers('POST /v1/branch/contracts', 400, branchOpen([{ kind: 'passport', reference: 'P-1' }]));
  });

  it('commands on a contract: wage, payments, the exam steps', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    const owner = bearer(token);
    const wage = (id: string) => t.http().put(`/v1/contracts/${id}/wage`).set(owner);
    await answers('PUT /v1/contracts/{id}/wage', 412, wage(contract.id).set('If-Match', '"7"').send({ requestedMonthlyPremium: 31_000_000 }));
    await answers('PUT /v1/contracts/{id}/wage', 400, wage(contract.id).set('If-Match', 'garbage').send({ requestedMonthlyPremium: 31_000_000 }));
    await answers('PUT /v1/contracts/{id}/wage', 414, wage(tooLong).send({ requestedMonthlyPremium: 31_000_000 }));
    await answers('PUT /v1/contracts/{id}/wage', 400, wage('%ZZ').send({ requestedMonthlyPremium: 31_000_000 }));
    await answers('PUT /v1/contracts/{id}/wage', 404, wage('00000000-0000-4000-8000-000000000000').send({ requestedMonthlyPremium: 31_000_000 }));
    await answers('PUT /v1/contracts/{id}/wage', 422, wage(contract.id).send({ requestedMonthlyPremium: 10 }));
    const changed = (await answers('PUT /v1/contracts/{id}/wage', 200, wage(contract.id).set('If-Match', `"${contract.revision}"`).send({ requestedMonthlyPremium: 31_000_000 })))
      .body as ContractView;

    const bank = auth({ role: 'bank', bankId: 'mellat' });
    const payment = { contractId: contract.id, periods: 1, amount: changed.monthlyPremium, bankReference: 'OA-1', paidAt: t.clock.now().toISOString() };
    await answers('POST /v1/payments', 422, t.http().post('/v1/payments').set(bank).send({ ...payment, amount: 1 }));
    await answers('POST /v1/payments', 400, t.http().post('/v1/payments').set(bank).send({ ...payment, paidAt: '2026-12-01' }));
    await answers('POST /v1/payments', 201, t.http().post('/v1/payments').set(bank).send(payment));
    await answers('POST /v1/payments', 200, t.http().post('/v1/payments').set(bank).send(payment), { replayed: true });
    await answers('POST /v1/payments', 409, t.http().post('/v1/payments').set(bank).send({ ...payment, periods: 2, amount: 2 * changed.monthlyPremium }));
    await answers('PUT /v1/contracts/{id}/wage', 422, wage(contract.id).send({ requestedMonthlyPremium: 32_000_000 }));

    const referral = (id: string, by = owner) => t.http().post(`/v1/contracts/${id}/exam/referral`).set(by);
    await answers('POST /v1/contracts/{id}/exam/referral', 422, referral(contract.id));
    await answers('POST /v1/contracts/{id}/exam/referral', 414, referral(tooLong));
    const exam = await examContract(t, people, 'paid');
    await answers('POST /v1/contracts/{id}/exam/referral', 201, referral(exam.contract.id, bearer(exam.token)));
    await answers('POST /v1/contracts/{id}/exam/referral', 201, referral(exam.contract.id, bearer(exam.token)).set('Idempotency-Key', 'oa-referral'));
    await answers('POST /v1/contracts/{id}/exam/referral', 201, referral(exam.contract.id, bearer(exam.token)).set('Idempotency-Key', 'oa-referral'), { replayed: true });
    const examiner = auth({ role: 'examiner' });
    const result = (id: string, outcome: string) => t.http().post(`/v1/contracts/${id}/exam/result`).set(examiner).send({ result: outcome });
    await answers('POST /v1/contracts/{id}/exam/result', 400, result(exam.contract.id, 'maybe'));
    await answers('POST /v1/contracts/{id}/exam/result', 400, result('%ZZ', 'failed'));
    await answers('POST /v1/contracts/{id}/exam/result', 422, result(contract.id, 'failed'));
    await answers('POST /v1/contracts/{id}/exam/result', 200, result(exam.contract.id, 'failed'));
    const officer = auth({ role: 'branch_officer', branchId: exam.contract.branchId });
    const determination = (id: string, outcome: string) => t.http().post(`/v1/contracts/${id}/exam/determination`).set(officer).send({ outcome, note: 'مدارک بررسی شد' });
    await answers('POST /v1/contracts/{id}/exam/determination', 404, determination(contract.id, 'cleared'));
    await answers('POST /v1/contracts/{id}/exam/determination', 414, determination(tooLong, 'cleared'));
    await answers('POST /v1/contracts/{id}/exam/determination', 200, determination(exam.contract.id, 'cleared'));
    await answers('POST /v1/contracts/{id}/exam/determination', 401, t.http().post(`/v1/contracts/${exam.contract.id}/exam/determination`).send({ outcome: 'cleared', note: 'x' }));
  });

  it('reads: the contract, its history and the read models', async () => {
    const { token, contract } = await openOnline(t, people.next().nationalCode);
    expect((await pay(t, contract)).status).toBe(201);
    const owner = bearer(token);
    const auditor = auth({ role: 'auditor' });
    const ops = auth({ role: 'ops' });
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [operation, path] of [
      ['GET /v1/contracts/{id}', ''],
      ['GET /v1/contracts/{id}/events', '/events'],
      ['GET /v1/contracts/{id}/document', '/document'],
      ['GET /v1/contracts/{id}/slips', '/slips'],
    ] as const) {
      await answers(operation, 200, t.http().get(`/v1/contracts/${contract.id}${path}`).set(owner));
      await answers(operation, 404, t.http().get(`/v1/contracts/${unknown}${path}`).set(auditor));
      await answers(operation, 414, t.http().get(`/v1/contracts/${tooLong}${path}`).set(auditor));
      await answers(operation, 400, t.http().get(`/v1/contracts/%ZZ${path}`).set(auditor));
      await answers(operation, 401, t.http().get(`/v1/contracts/${contract.id}${path}`));
    }
    const state = (query: string) => t.http().get(`/v1/contracts/${contract.id}/state${query}`).set(auditor);
    await answers('GET /v1/contracts/{id}/state', 200, state('?revision=0'));
    await answers('GET /v1/contracts/{id}/state', 200, state(`?asOf=${encodeURIComponent(t.clock.now().toISOString())}`));
    await answers('GET /v1/contracts/{id}/state', 404, state('?revision=99'));
    await answers('GET /v1/contracts/{id}/state', 400, state(''));
    await answers('GET /v1/contracts/{id}/state', 403, t.http().get(`/v1/contracts/${contract.id}/state?revision=0`).set(owner));
    await answers('GET /v1/contracts', 200, t.http().get(`/v1/contracts?nationalCode=${contract.nationalCode}`).set(owner));
    await answers('GET /v1/contracts', 400, t.http().get('/v1/contracts?nationalCode=123').set(auditor));

    const eligibility = (code: string, by: Record<string, string>) => t.http().get(`/v1/eligibility/${code}`).set(by);
    await answers('GET /v1/eligibility/{nationalCode}', 200, eligibility(contract.nationalCode, owner));
    await answers('GET /v1/eligibility/{nationalCode}', 403, eligibility(contract.nationalCode, auth({ role: 'bank', bankId: 'mellat' })));
    await answers('GET /v1/eligibility/{nationalCode}', 414, eligibility('1'.repeat(150), ops));
    await answers('GET /v1/eligibility/{nationalCode}', 400, eligibility('123', ops));
    await answers('GET /v1/notifications', 200, t.http().get(`/v1/notifications?contractId=${contract.id}`).set(ops));
    await answers('GET /v1/notifications', 400, t.http().get('/v1/notifications?contractId=nope').set(ops));
    await answers('GET /v1/dashboard/branches', 200, t.http().get('/v1/dashboard/branches').set(ops));
    await answers('GET /v1/dashboard/branches', 400, t.http().get('/v1/dashboard/branches?period=1405-13').set(ops));
    await answers('GET /v1/dashboard/branches', 403, t.http().get('/v1/dashboard/branches').set(auditor));
    await answers('GET /v1/audit/events', 200, t.http().get('/v1/audit/events?limit=5').set(auditor));
    await answers('GET /v1/audit/events', 400, t.http().get('/v1/audit/events?limit=0').set(auditor));
    await answers('GET /v1/audit/head', 200, t.http().get('/v1/audit/head').set(auditor));
    await answers('GET /v1/audit/head', 403, t.http().get('/v1/audit/head').set(ops));
  });

  it('operations: pages, health, metrics and the manual clock', async () => {
    await answers('GET /dashboard', 200, t.http().get('/dashboard'));
    await answers('GET /health/live', 200, t.http().get('/health/live'));
    await answers('GET /health/ready', 200, t.http().get('/health/ready'));
    await answers('GET /metrics', 200, t.http().get('/metrics'));
    const ops = auth({ role: 'ops' });
    const now = t.clock.now().toISOString();
    await answers('GET /v1/_test/clock', 200, t.http().get('/v1/_test/clock').set(ops));
    await answers('PUT /v1/_test/clock', 400, t.http().put('/v1/_test/clock').set(ops).send({ now: '2021-06-01T19:45:00Z' }));
    await answers('PUT /v1/_test/clock', 403, t.http().put('/v1/_test/clock').set(auth({ role: 'auditor' })).send({ now }));
    await answers('PUT /v1/_test/clock', 200, t.http().put('/v1/_test/clock').set(ops).send({ now }));
  });

  it('checked an answer of every operation of the document above', () => {
    expect(operations().filter(({ route }) => !visited.has(route)).map(({ route }) => route)).toEqual([]);
  });

  it('documents, for every operation with a path parameter, the 400 and 414 the HTTP layer answers; for every body, its 408', () => {
    for (const { route, op } of operations()) {
      if (route.includes('{')) {
        expect({ route, codes: problemCodes(op, 400) }).toEqual({ route, codes: expect.arrayContaining(['BAD_REQUEST']) });
        expect({ route, codes: problemCodes(op, 414) }).toEqual({ route, codes: ['URI_TOO_LONG'] });
      }
      if ('requestBody' in op) expect({ route, codes: problemCodes(op, 408) }).toEqual({ route, codes: ['REQUEST_TIMEOUT'] });
    }
  });
});
