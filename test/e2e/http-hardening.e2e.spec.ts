import { createHash } from 'node:crypto';
import { BODY_LIMIT_BYTES } from '../../apps/contracts-api/src/create-app';
import { MAX_BODY_VALUES } from '../../apps/contracts-api/src/http/validation';
import { startTestApp, type TestApp } from './support/test-app';
import { bearer, expectProblem, openBody, openOnline, People, type ContractView } from './support/scenario';

/** Response headers on personal data, and the limits that keep one request's cost bounded. */
describe('e2e: response headers and request limits', () => {
  let t: TestApp;
  const people = new People();
  let owner: Record<string, string>;
  let contract: ContractView;

  beforeAll(async () => {
    t = await startTestApp();
    const opened = await openOnline(t, people.next().nationalCode);
    owner = bearer(opened.token);
    contract = opened.contract;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('headers', () => {
    it('GET /v1/contracts/{id}: no-store and nosniff, and its ETag still works with If-Match', async () => {
      const res = await t.http().get(`/v1/contracts/${contract.id}`).set(owner).expect(200);
      expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', etag: '"0"' });
      const changed = await t.http().put(`/v1/contracts/${contract.id}/wage`).set(owner).set('If-Match', res.headers.etag!).send({ requestedMonthlyPremium: 35_000_000 });
      expect(changed.status).toBe(200);
      expect(changed.headers).toMatchObject({ 'cache-control': 'no-store', etag: '"1"' });
      expectProblem(await t.http().put(`/v1/contracts/${contract.id}/wage`).set(owner).set('If-Match', res.headers.etag!).send({ requestedMonthlyPremium: 36_000_000 }), 412, 'PRECONDITION_FAILED');
    });

    it('POST /v1/quotes: no-store and nosniff', async () => {
      const res = await t.http().post('/v1/quotes').set(owner).send({ requestedMonthlyPremium: 30_000_000 }).expect(200);
      expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    });

    it('GET /v1/contracts/{id}/document: a policy that loads nothing and runs only its own print script, by hash', async () => {
      const res = await t.http().get(`/v1/contracts/${contract.id}/document`).set(owner).expect(200);
      expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      const csp = res.headers['content-security-policy']!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("style-src 'unsafe-inline'");
      // No inline event handler (the policy would block it): the button's script is the page's only one.
      expect(res.text).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
      const scripts = [...res.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
      expect(scripts).toHaveLength(1);
      expect(scripts[0]).toContain('window.print()');
      expect(csp).toContain(`script-src 'sha256-${createHash('sha256').update(scripts[0]!).digest('base64')}'`);
    });

    it('problems on /v1 are no-store too; nosniff on every answer; other paths keep their own caching', async () => {
      const unauthenticated = await t.http().get(`/v1/contracts/${contract.id}`);
      expect([unauthenticated.status, unauthenticated.headers['cache-control'], unauthenticated.headers['x-content-type-options']]).toEqual([401, 'no-store', 'nosniff']);
      const missing = await t.http().get('/v1/nowhere').set(owner);
      expect([missing.status, missing.headers['cache-control'], missing.headers['x-content-type-options']]).toEqual([404, 'no-store', 'nosniff']);
      const live = await t.http().get('/health/live');
      expect([live.status, live.headers['cache-control'], live.headers['x-content-type-options']]).toEqual([200, undefined, 'nosniff']);
      const docs = await t.http().get('/docs-json');
      expect([docs.status, docs.headers['x-content-type-options']]).toEqual([200, 'nosniff']);
    });
  });

  describe('limits', () => {
    const post = (path: string, token: Record<string, string>, payload: string) =>
      t.http().post(path).set(token).set('Content-Type', 'application/json').send(payload);
    /** A JSON body of exactly `bytes` bytes. */
    const padded = (bytes: number) => `{"padding":"${'x'.repeat(bytes - '{"padding":""}'.length)}"}`;

    it('a body over 16 KiB is a 413; one of exactly 16 KiB is read', async () => {
      expectProblem(await post('/v1/quotes', owner, padded(16 * 1024 + 1)), 413, 'PAYLOAD_TOO_LARGE');
      const atLimit = await post('/v1/quotes', owner, padded(16 * 1024));
      expect(expectProblem(atLimit, 400, 'VALIDATION_FAILED').errors).toEqual(expect.arrayContaining([{ field: 'padding', message: 'property padding should not exist', messageFa: 'فیلد «padding» شناخته‌شده نیست و نباید فرستاده شود' }]));
    });

    it('a valid branch open with 10 documents of 100-character references is concluded', async () => {
      const person = people.next();
      const { body } = await openBody(t, person.nationalCode);
      const officer = bearer(t.token({ role: 'branch_officer', branchId: person.branchId }));
      const documents = Array.from({ length: 10 }, (_, i) => ({ kind: 'identity', reference: `ID-${i}-`.padEnd(100, '۰') }));
      const res = await t.http().post('/v1/branch/contracts').set(officer).send({ ...body, nationalCode: person.nationalCode, documents });
      expect([res.status, res.body.channel]).toEqual([201, 'branch']);
    });

    it("the review's 3 000 documents (51 KB) are a 413; 600 small ones are one 400 naming the limit, before any DTO rule", async () => {
      const person = people.next();
      const { body } = await openBody(t, person.nationalCode);
      const officer = bearer(t.token({ role: 'branch_officer', branchId: person.branchId }));
      const many = (count: number) => JSON.stringify({ ...body, nationalCode: person.nationalCode, documents: Array.from({ length: count }, () => ({ kind: 'identity', reference: 'R', x: 1 })) });
      expectProblem(await post('/v1/branch/contracts', officer, many(3_000)), 413, 'PAYLOAD_TOO_LARGE');
      const flood = JSON.stringify({ ...body, nationalCode: person.nationalCode, documents: Array.from({ length: 600 }, () => ({})) });
      expect(Buffer.byteLength(flood)).toBeLessThan(BODY_LIMIT_BYTES);
      const refused = expectProblem(await post('/v1/branch/contracts', officer, flood), 400, 'VALIDATION_FAILED');
      expect(refused.errors).toEqual([
        {
          field: '',
          message: `the body has more than ${MAX_BODY_VALUES} values (fields and list items, at any depth)`,
          messageFa: 'بدنه درخواست بیش از ۵۰۰ مقدار (فیلد و عضو فهرست، در هر سطح) دارد',
        },
      ]);
    });
  });
});
