import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { BranchOpenContractDto } from '../contracts/open-contract/open-contract.dto';
import { startTinyApp, type TinyApp } from './testing/tiny-app';
import { MAX_BODY_VALUES, MAX_LISTED_ERRORS } from './validation';

@Controller()
class ProbeController {
  @Post('branch/contracts') open(@Body() body: BranchOpenContractDto) {
    return { documents: body.documents.length };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

/** The largest legitimate body: a branch open with 10 documents of 100-character references. */
const LARGEST = {
  nationalCode: '0083661646',
  requestedMonthlyPremium: 30_000_000,
  startNextMonth: true,
  acceptTerms: { version: '1403-01' },
  confirm: { premiumRate: 0.27, wageBasis: 111_111_111, startDate: '2026-12-01' },
  examUndertaking: true,
  corrections: { mobile: '09123456789', address: 'تهران، خیابان ولیعصر، کوچه نسترن، پلاک ۱۲' },
  documents: Array.from({ length: 10 }, (_, i) => ({ kind: 'identity', reference: `${i}`.padEnd(100, 'R') })),
};

describe('validation pipe: bounded work and bounded answers', () => {
  let app: TinyApp;
  beforeAll(async () => {
    app = await startTinyApp(ProbeModule);
  });
  afterAll(() => app.close());

  const post = (body: unknown) => app.inject({ method: 'POST', url: '/branch/contracts', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('accepts the largest legitimate body (10 documents), well under the body limit', async () => {
    const payload = JSON.stringify(LARGEST);
    expect(Buffer.byteLength(payload)).toBeLessThan(2 * 1024);
    const res = await post(LARGEST);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ documents: 10 });
  });

  it(`refuses a body of more than ${MAX_BODY_VALUES} values before any DTO rule runs: one error, not one per element`, async () => {
    // 3 000 documents of unknown fields: 15 002 errors, 0.6 s of CPU before the limit.
    const documents = Array.from({ length: 3_000 }, () => ({ x: 1 }));
    const res = await post({ ...LARGEST, documents });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: '', message: `the body has more than ${MAX_BODY_VALUES} values (fields and list items, at any depth)` }],
    });
    expect(res.json().errors).toHaveLength(1);
  });

  it('counts values at any depth, the limit itself included', async () => {
    // Pad the documents with empty objects up to the limit, then one over.
    const values = (body: unknown): number =>
      typeof body === 'object' && body !== null ? 1 + Object.values(body).reduce((sum: number, child) => sum + values(child), 0) : 1;
    const base = values(LARGEST);
    const at = { ...LARGEST, documents: [...LARGEST.documents, ...Array.from({ length: MAX_BODY_VALUES - base }, () => ({}))] };
    expect(values(at)).toBe(MAX_BODY_VALUES);
    const atLimit = (await post(at)).json();
    // Refused by the DTO's own rules (too many documents, each without kind and reference), field by field.
    expect(atLimit.errors.map((e: { field: string }) => e.field)).toContain('documents');
    expect(atLimit.errors.some((e: { message: string }) => e.message.includes(`more than ${MAX_BODY_VALUES} values`))).toBe(false);
    const over = (await post({ ...at, documents: [...at.documents, {}] })).json();
    expect(over.errors).toEqual([{ field: '', message: expect.stringContaining(`more than ${MAX_BODY_VALUES} values`), messageFa: expect.stringContaining('بیش از ۵۰۰ مقدار') }]);
  });

  it(`lists at most ${MAX_LISTED_ERRORS} field errors, and says how many more there were`, async () => {
    const unknown = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`extra${i}`, i]));
    const res = await post({ ...LARGEST, ...unknown });
    expect(res.statusCode).toBe(400);
    const problem = res.json();
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(problem.errors[0]).toEqual({ field: 'extra0', message: 'property extra0 should not exist', messageFa: 'فیلد «extra0» شناخته‌شده نیست و نباید فرستاده شود' });
    expect(problem.errorsNotListed).toBe(100 - MAX_LISTED_ERRORS);
  });

  it(`does not mention unlisted errors when there are ${MAX_LISTED_ERRORS} or fewer`, async () => {
    const res = await post({ ...LARGEST, extra: 1 });
    expect(res.json().errors).toEqual([{ field: 'extra', message: 'property extra should not exist', messageFa: 'فیلد «extra» شناخته‌شده نیست و نباید فرستاده شود' }]);
    expect(res.json()).not.toHaveProperty('errorsNotListed');
  });
});
