import { BODY_LIMIT_BYTES } from '../../apps/contracts-api/src/create-app';
import { MAX_BODY_VALUES } from '../../apps/contracts-api/src/http/validation';
import { startTestApp, type TestApp } from './support/test-app';
import { bearer, expectProblem, openBody, openOnline, People } from './support/scenario';

/** The limits that keep one request's cost bounded. */
describe('e2e: request limits', () => {
  let t: TestApp;
  const people = new People();
  let owner: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    const opened = await openOnline(t, people.next().nationalCode);
    owner = bearer(opened.token);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('limits', () => {
    const post = (path: string, token: Record<string, string>, payload: string) =>
      t.http().post(path).set(token).set('Content-Type', 'application/json').send(payload);
    /** A JSON body of exactly `bytes` bytes. */
    const padded = (bytes: number) => `{"padding":"${'x'.repeat(bytes - '{"padding":""}'.length)}"}`;

    it('a body over 16 KiB is a 413; one of exactly 16 KiB is read', async () => {
      expectProblem(await post('/v1/quotes', owner, padded(16 * 1024 + 1)), 413, 'PAYLOAD_TOO_LARGE');
      const atLimit = await post('/v1/quotes', owner, padded(16 * 1024));
      expect(expectProblem(atLimit, 400, 'VALIDATION_FAILED').errors).toEqual(expect.arrayContaining([{ field: 'padding', message: 'property padding should not exist' }]));
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
      expect(refused.errors).toEqual([{ field: '', message: `the body has more than ${MAX_BODY_VALUES} values (fields and list items, at any depth)` }]);
    });
  });
});
