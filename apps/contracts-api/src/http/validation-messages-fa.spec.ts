import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
// Every controller, so every DTO's rules are registered.
import '../app.module';
import { ConfirmPaymentDto } from '../contracts/confirm-payment/confirm-payment.dto';
import { ExamResultDto } from '../contracts/exam/exam.dto';
import { BranchOpenContractDto } from '../contracts/open-contract/open-contract.dto';
import { startTinyApp, type TinyApp } from './testing/tiny-app';
import { PERSIAN_RULES } from './validation-messages-fa';

interface RuleMetadata {
  type: string;
  name?: string;
  propertyName: string;
  context?: { messageFa?: unknown };
}

/** Rules the global pipe adds to every DTO (unknown fields, a body that is no object). */
const GLOBAL_RULES = ['whitelistValidation', 'unknownValue'];

function dtoRules(): Array<{ dto: string; property: string; rule: string; ownFa: boolean }> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<{ name: string }, RuleMetadata[]> };
  return [...storage.validationMetadatas].flatMap(([target, rules]) =>
    rules
      .filter((rule) => rule.type !== 'conditionalValidation') // @IsOptional: never fails
      .map((rule) => ({
        dto: target.name,
        property: rule.propertyName,
        rule: rule.type === 'customValidation' ? rule.name! : rule.type,
        ownFa: typeof rule.context?.messageFa === 'string',
      })),
  );
}

describe('Persian field messages (errors[].messageFa)', () => {
  it('given every rule of every DTO, then each says itself in Persian: its own messageFa or a twin of its class-validator message', () => {
    const rules = dtoRules();
    expect(rules.length).toBeGreaterThan(40);
    const without = rules.filter(({ rule, ownFa }) => !ownFa && !(rule in PERSIAN_RULES));
    expect(without).toEqual([]);
    // And no twin is kept for a rule nothing uses.
    const used = new Set([...rules.map(({ rule }) => rule), ...GLOBAL_RULES]);
    expect(Object.keys(PERSIAN_RULES).filter((rule) => !used.has(rule))).toEqual([]);
  });

  describe('given bad bodies, when validated, then each field problem has its Persian message, with the limits in Persian digits', () => {
    @Controller()
    class ProbeController {
      @Post('branch/contracts') open(@Body() body: BranchOpenContractDto) {
        return body;
      }
      @Post('payments') pay(@Body() body: ConfirmPaymentDto) {
        return body;
      }
      @Post('result') result(@Body() body: ExamResultDto) {
        return body;
      }
    }
    @Module({ controllers: [ProbeController] })
    class ProbeModule {}

    let app: TinyApp;
    beforeAll(async () => {
      app = await startTinyApp(ProbeModule);
    });
    afterAll(() => app.close());

    const errorsOf = async (url: string, body: unknown) => {
      const response = await app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      expect(response.statusCode).toBe(400);
      const problem = response.json() as { errors: Array<{ field: string; message: string; messageFa: string }> };
      return Object.fromEntries(problem.errors.map((error) => [error.field, error.messageFa]));
    };

    it('limits read back from the English message: a maximum, a length, a list size, a minimum', async () => {
      const errors = await errorsOf('/payments', {
        contractId: 'not-a-uuid',
        periods: 0,
        amount: 2_000_000_000_000,
        bankReference: 'x'.repeat(101),
        paidAt: '2026-12-01T10:00:00Z',
        extra: 1,
      });
      expect(errors).toEqual({
        contractId: '«contractId» باید شناسه‌ای به شکل UUID باشد',
        periods: '«periods» نباید کمتر از ۱ باشد',
        amount: '«amount» نباید بیشتر از ۱٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰ باشد',
        bankReference: expect.stringMatching(/^«bankReference» نباید بیش از [۰-۹]+ نویسه باشد$/),
        extra: 'فیلد «extra» شناخته‌شده نیست و نباید فرستاده شود',
      });
    });

    it('allowed values as the JSON spells them; a rule with its own Persian; a required field', async () => {
      expect(await errorsOf('/result', { result: 'maybe' })).toEqual({ result: '«result» باید یکی از این مقدارها باشد: passed, failed' });
      expect(await errorsOf('/payments', { contractId: '9b2f3c4e-8a1d-4c2b-9f3e-1a2b3c4d5e6f', periods: 1, amount: 1, bankReference: 'ب', paidAt: '2026-12-01T10:00:00Z' })).toEqual({
        bankReference: '«bankReference» باید فقط نویسه‌های ASCII دیدنی داشته باشد',
      });
      const branch = await errorsOf('/branch/contracts', {
        nationalCode: '0000000001',
        requestedMonthlyPremium: 30_000_000,
        confirm: { premiumRate: 0.27, wageBasis: 111_111_111, startDate: '2026-12-01' },
        documents: Array.from({ length: 11 }, () => ({ kind: 'identity', reference: 'R' })),
      });
      expect(branch).toEqual({
        nationalCode: 'کد ملی باید ۱۰ رقم با رقم کنترل درست باشد',
        documents: '«documents» نباید بیش از ۱۰ مورد داشته باشد',
      });
      expect(await errorsOf('/result', {})).toEqual({ result: '«result» الزامی است' });
    });
  });
});
