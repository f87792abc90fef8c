/**
 * One describe per rule of DOMAIN.md, named after it (docs/domain.md maps rules to these names).
 * Default contract date: 2026-12-01 = 1405/09/10, so the first-payment deadline is 1405/09/30
 * (2026-12-21) and, for a non-exempt applicant, the exam deadline is 1405/11/10 (2027-01-30).
 */
import { ContractCommand } from './commands';
import { ContractEvent } from './events';
import { pendingDeadlines } from './deadlines';
import { iranDayStart } from './jalali';
import { POLICY_1403 } from './policy';
import { replay } from './state';
import { given } from './testing/given-when-then';
import {
  CONTRACT_ID,
  CONTRACT_NOW,
  CONTRACT_NUMBER,
  PREMIUM,
  WAGE,
  facts,
  factsNeedingExam,
  historyOf,
  jalali,
  openAtBranch,
  openOnline,
  openedHistory,
  pay,
} from './testing/fixtures';

const opened = openedHistory();
const openedNeedingExam = openedHistory({ facts: factsNeedingExam() });
const FIRST_PAYMENT_AT = '2026-12-05T06:00:00Z';

/** The default (exempt) contract's history after these steps. */
const exemptAfter = (steps: [ContractCommand, string][]) => historyOf([[openOnline(), CONTRACT_NOW], ...steps]);
/** The non-exempt contract's history after these steps. */
const needingExamAfter = (steps: [ContractCommand, string][]) =>
  historyOf([[openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW], ...steps]);
const paidOnce = exemptAfter([[pay(1), FIRST_PAYMENT_AT]]);
/** A contract needing the exam, concluded at `concluded` under `policy`, its first month paid the next day. */
const needingExamTie = (policy: typeof POLICY_1403, concluded: string) => {
  const next = new Date(new Date(concluded).getTime() + 86_400_000).toISOString();
  return historyOf([[openOnline({ facts: factsNeedingExam(), now: concluded, policy }), concluded], [pay(1, { paidAt: next }), next]], policy);
};

const referral = (referralNumber = 'R-100'): ContractCommand => ({ type: 'IssueExamReferral', data: { referralNumber } });
const result = (r: 'passed' | 'failed'): ContractCommand => ({ type: 'RecordExamResult', data: { result: r } });
const determination = (outcome: 'cleared' | 'rejected', note = 'reviewed at branch'): ContractCommand => ({
  type: 'MakeExamDetermination',
  data: { outcome, note },
});
const changeWage = (requestedMonthlyPremium: number): ContractCommand => ({
  type: 'ChangeWage',
  data: { requestedMonthlyPremium },
});
const markLapsed: ContractCommand = { type: 'MarkLapsed', data: {} };
const markExamOverdue: ContractCommand = { type: 'MarkExamOverdue', data: {} };
const cancelForNonPayment: ContractCommand = { type: 'CancelForNonPayment', data: {} };

describe('1. Online conclusion', () => {
  it('opens the contract with number, date, the derived figures and the corrected contact data', () => {
    given([])
      .when(openOnline({ corrections: { mobile: '+989351112233', address: '  شیراز، خیابان زند  ' } }), CONTRACT_NOW)
      .then([
        {
          type: 'ContractOpened',
          version: 1,
          data: {
            contractId: CONTRACT_ID,
            contractNumber: CONTRACT_NUMBER,
            contractDate: '2026-12-01',
            channel: 'online',
            branchId: '1201',
            provinceCode: '23',
            applicant: {
              nationalCode: '0499370899',
              firstName: 'مریم',
              lastName: 'احمدی',
              birthDate: jalali(1364, 3, 25),
              gender: 'female',
              mobile: '09351112233',
              address: 'شیراز، خیابان زند',
            },
            basis: { ageOnContractDate: 41, contributionDays: 2_000, lastContributionDate: jalali(1405, 3, 11) },
            policyVersion: '1403.1',
            premiumRate: 0.27,
            wageBasis: WAGE,
            monthlyPremium: PREMIUM,
            startDate: '2026-12-01',
            paymentDeadline: '2026-12-21',
            examRequirement: 'exempt',
            examDeadline: null,
            examUndertaking: true,
            termsVersion: '1403.1',
            documents: [],
          },
        },
      ]);
  });

  it('refuses when the regulation in force was not accepted', () => {
    given([]).when(openOnline({ acceptedTermsVersion: null }), CONTRACT_NOW).thenFails('TERMS_NOT_ACCEPTED');
    given([]).when(openOnline({ acceptedTermsVersion: '1402.1' }), CONTRACT_NOW).thenFails('TERMS_NOT_ACCEPTED', {
      termsVersion: '1403.1',
    });
  });

  it.each([
    ['premium rate', { premiumRate: 0.3, wageBasis: WAGE, startDate: '2026-12-01' }],
    ['wage basis', { premiumRate: 0.27, wageBasis: WAGE + 1, startDate: '2026-12-01' }],
    ['start date', { premiumRate: 0.27, wageBasis: WAGE, startDate: '2026-12-22' }],
  ])('refuses a confirmation whose %s differs from the rules now', (_field, confirm) => {
    given([])
      .when(openOnline({ confirm }), CONTRACT_NOW)
      .thenFails('QUOTE_MISMATCH', { expected: { premiumRate: 0.27, wageBasis: WAGE, startDate: '2026-12-01' } });
  });

  it('refuses to open the same contract twice', () => {
    given(opened).when(openOnline(), CONTRACT_NOW).thenFails('CONTRACT_ALREADY_OPENED');
  });

  it('does not let identity data be corrected online (only mobile and address are taken)', () => {
    const [event] = given([])
      .when(openOnline({ corrections: { firstName: 'x' } as never }), CONTRACT_NOW)
      .events();
    expect(event.type === 'ContractOpened' && event.data.applicant.firstName).toBe('مریم');
  });

  it('refuses an invalid corrected mobile and an empty address, naming the field as the command carries it', () => {
    given([]).when(openOnline({ corrections: { mobile: '0812345678' } }), CONTRACT_NOW).thenFails('INVALID_COMMAND', {
      field: 'corrections.mobile',
    });
    given([]).when(openOnline({ corrections: { address: '   ' } }), CONTRACT_NOW).thenFails('INVALID_COMMAND', {
      field: 'corrections.address',
    });
    given([]).when(openOnline({ corrections: { address: '\u200b\u2067' } }), CONTRACT_NOW).thenFails('INVALID_COMMAND', {
      field: 'corrections.address',
    });
    given([]).when(openOnline({ facts: { ...facts(), address: ' ' } }), CONTRACT_NOW).thenFails('INVALID_COMMAND', {
      field: 'facts.address',
    });
  });

  it('refuses a corrected address with directional overrides or isolates, which would print it reordered; keeps ZWNJ and marks of direction', () => {
    for (const control of ['\u202e', '\u202a', '\u2066', '\u2069']) {
      given([]).when(openOnline({ corrections: { address: `تهران، خیابان ${control}12 پلاک` } }), CONTRACT_NOW).thenFails('INVALID_COMMAND', {
        field: 'corrections.address',
      });
    }
    const address = 'تهران، خیابان آزادی، کوچه\u200cی ۱۲، پلاک \u200f۵';
    const [event] = given([]).when(openOnline({ corrections: { address } }), CONTRACT_NOW).events();
    expect(event.type === 'ContractOpened' && event.data.applicant.address).toBe(address);
  });
});

describe('2. Non-exempt applicants: exam undertaking, 2-month window, ExamOverdue', () => {
  const paidNeedingExam = needingExamAfter([[pay(1), FIRST_PAYMENT_AT]]);
  /** Paid once, then these steps. */
  const history = (steps: [ContractCommand, string][]) => needingExamAfter([[pay(1), FIRST_PAYMENT_AT], ...steps]);

  it('requires the exam undertaking to conclude', () => {
    given([])
      .when(openOnline({ facts: factsNeedingExam(), examUndertaking: false }), CONTRACT_NOW)
      .thenFails('EXAM_UNDERTAKING_REQUIRED');
  });

  it('records the exam requirement and its deadline, 2 Jalali months from the contract date', () => {
    const [event] = openedNeedingExam;
    expect(event.type === 'ContractOpened' && [event.data.examRequirement, event.data.examDeadline]).toEqual([
      'required',
      jalali(1405, 11, 10),
    ]);
  });

  it.each([
    ['from a 31-day month', [1405, 3, 10], [1405, 5, 10]],
    ['from the 31st into a 30-day month, clamped to its last day', [1405, 5, 31], [1405, 7, 30]],
  ] as const)('counts the 2 months in Jalali months, not days (%s)', (_what, [y, m, d], [dy, dm, dd]) => {
    const now = `${jalali(y, m, d)}T08:00:00Z`;
    const facts = factsNeedingExam({ lastContributionDate: jalali(y - 1, m, 1) });
    const [event] = given([]).when(openOnline({ facts, now }), now).events();
    expect(event.type === 'ContractOpened' && [event.data.examRequirement, event.data.examDeadline]).toEqual(['required', jalali(dy, dm, dd)]);
  });

  it('accepts a period starting on the exam deadline day itself, not one after', () => {
    const now = `${jalali(1405, 9, 1)}T08:00:00Z`; // deadline 1405/11/01, the first day of period 1405-11
    const opened = historyOf([[openOnline({ facts: factsNeedingExam({ lastContributionDate: jalali(1404, 8, 1) }), now }), now]]);
    expect(opened[0]!.type === 'ContractOpened' && opened[0]!.data.examDeadline).toBe(jalali(1405, 11, 1));
    given(opened).when(pay(3, { paidAt: now }), now).thenAccepts();
    given(opened).when(pay(4, { paidAt: now }), now).thenFails('PAYMENTS_BLOCKED', { reason: 'exam_pending', period: '1405-12' });
  });

  it('does not ask an exempt applicant for the undertaking', () => {
    const [event] = given([]).when(openOnline({ examUndertaking: false }), CONTRACT_NOW).events();
    expect(event.type === 'ContractOpened' && [event.data.examRequirement, event.data.examUndertaking]).toEqual([
      'exempt',
      false,
    ]);
  });

  it('issues the referral after the first payment, once', () => {
    const paid = paidNeedingExam;
    given(openedNeedingExam).when(referral(), '2026-12-02T08:00:00Z').thenFails('EXAM_STEP_NOT_ALLOWED', {
      reason: 'first_payment_missing',
    });
    given(paid)
      .when(referral('R-7'), '2026-12-10T08:00:00Z')
      .then([
        {
          type: 'ExamReferralIssued',
          version: 1,
          data: { contractId: CONTRACT_ID, referralNumber: 'R-7', issuedOn: '2026-12-10' },
        },
      ]);
    given(history([[referral('R-7'), '2026-12-10T08:00:00Z']]))
      .when(referral('R-8'), '2026-12-11T08:00:00Z')
      .then([]);
  });

  it('records a result only after a referral', () => {
    given(paidNeedingExam)
      .when(result('passed'), '2026-12-12T08:00:00Z')
      .thenFails('EXAM_STEP_NOT_ALLOWED');
    given(history([[referral(), '2026-12-10T08:00:00Z']]))
      .when(result('passed'), '2026-12-12T08:00:00Z')
      .then([
        { type: 'ExamResultRecorded', version: 1, data: { contractId: CONTRACT_ID, result: 'passed', recordedOn: '2026-12-12' } },
      ]);
  });

  it('accepts payment only for periods starting within the 2 months until the exam is passed', () => {
    // Periods 1405-09, -10, -11 start on or before 1405/11/10; 1405-12 does not.
    given(openedNeedingExam).when(pay(3), FIRST_PAYMENT_AT).thenAccepts();
    given(openedNeedingExam).when(pay(4), FIRST_PAYMENT_AT).thenFails('PAYMENTS_BLOCKED', {
      reason: 'exam_pending',
      period: '1405-12',
      examDeadline: jalali(1405, 11, 10),
    });
    const passed = history([
      [referral(), '2026-12-10T08:00:00Z'],
      [result('passed'), '2026-12-12T08:00:00Z'],
    ]);
    const [payment] = given(passed).when(pay(4, { bankReference: 'BR-2' }), '2026-12-13T08:00:00Z').events();
    expect(payment.type === 'PaymentConfirmed' && payment.data.periods).toEqual(['1405-10', '1405-11', '1405-12', '1406-01']);
  });

  it('marks the exam overdue only after the exam deadline day (± 1 day)', () => {
    const paid = paidNeedingExam;
    given(paid).when(markExamOverdue, '2027-01-30T10:00:00Z').thenFails('DEADLINE_NOT_REACHED', {
      dueAt: '2027-01-30T20:30:00.000Z',
    });
    given(paid).when(markExamOverdue, '2027-01-30T20:29:59Z').thenFails('DEADLINE_NOT_REACHED');
    given(paid)
      .when(markExamOverdue, '2027-01-31T10:00:00Z')
      .then([{ type: 'ExamOverdue', version: 1, data: { contractId: CONTRACT_ID, examDeadline: jalali(1405, 11, 10) } }]);
  });

  it('has nothing to mark when the exam was passed or is not required', () => {
    const passed = history([
      [referral(), '2026-12-10T08:00:00Z'],
      [result('passed'), '2026-12-12T08:00:00Z'],
    ]);
    given(passed).when(markExamOverdue, '2027-02-10T08:00:00Z').thenFails('NOTHING_TO_DO');
    given(paidOnce)
      .when(markExamOverdue, '2027-02-10T08:00:00Z')
      .thenFails('NOTHING_TO_DO');
  });

  it('blocks payments once the exam is overdue, until a branch determination', () => {
    const overdue = history([[markExamOverdue, '2027-01-31T10:00:00Z']]);
    given(overdue).when(pay(1, { bankReference: 'BR-2' }), '2027-02-01T08:00:00Z').thenFails('PAYMENTS_BLOCKED', {
      reason: 'exam_overdue',
    });
    const cleared = history([
      [markExamOverdue, '2027-01-31T10:00:00Z'],
      [determination('cleared'), '2027-02-02T08:00:00Z'],
    ]);
    given(cleared).when(pay(6, { bankReference: 'BR-2' }), '2027-02-03T08:00:00Z').thenAccepts();
  });

  it('blocks payments after the exam deadline, even before the overdue mark', () => {
    // The outcome must not depend on how promptly the deadline runner records ExamOverdue.
    const paid = paidNeedingExam;
    given(paid).when(pay(1, { bankReference: 'BR-2' }), '2027-01-30T20:29:59Z').thenAccepts();
    given(paid).when(pay(1, { bankReference: 'BR-2' }), '2027-01-30T20:30:00Z').thenFails('PAYMENTS_BLOCKED', {
      reason: 'exam_overdue',
    });
    const failed = history([
      [referral(), '2026-12-10T08:00:00Z'],
      [result('failed'), '2026-12-12T08:00:00Z'],
    ]);
    given(failed).when(pay(1, { bankReference: 'BR-2' }), '2027-02-09T08:00:00Z').thenFails('PAYMENTS_BLOCKED', {
      reason: 'exam_overdue',
    });
  });

  it('refuses referral and result after the exam deadline, even before the overdue mark', () => {
    const paid = paidNeedingExam;
    given(paid).when(referral(), '2027-01-31T10:00:00Z').thenFails('EXAM_STEP_NOT_ALLOWED', {
      reason: 'exam_deadline_passed',
    });
    given(history([[referral(), '2026-12-10T08:00:00Z']]))
      .when(result('passed'), '2027-01-31T10:00:00Z')
      .thenFails('EXAM_STEP_NOT_ALLOWED');
    given(history([[referral(), '2026-12-10T08:00:00Z']]))
      .when(referral(), '2027-01-31T10:00:00Z')
      .thenFails('EXAM_STEP_NOT_ALLOWED', { reason: 'exam_deadline_passed' });
  });

  it('refuses referral and result once ExamOverdue is recorded with the same reason and deadline as before it', () => {
    const overdue = history([[markExamOverdue, '2027-01-31T10:00:00Z']]);
    for (const step of [referral(), result('passed')]) {
      given(overdue).when(step, '2027-02-01T10:00:00Z').thenFails('EXAM_STEP_NOT_ALLOWED', { reason: 'exam_deadline_passed', examDeadline: '2027-01-30' });
    }
  });

  it('terminates the contract on a rejected determination', () => {
    given(history([[markExamOverdue, '2027-01-31T10:00:00Z']]))
      .when(determination('rejected', 'no exam taken'), '2027-02-02T08:00:00Z')
      .then([
        {
          type: 'ExamDeterminationMade',
          version: 1,
          data: { contractId: CONTRACT_ID, outcome: 'rejected', note: 'no exam taken', madeOn: '2027-02-02' },
        },
        { type: 'ContractTerminated', version: 1, data: { contractId: CONTRACT_ID, reason: 'exam_rejected' } },
      ]);
  });

  it('after a failed exam: payments stay within the window and a branch may decide at once', () => {
    const failed = history([
      [referral(), '2026-12-10T08:00:00Z'],
      [result('failed'), '2026-12-12T08:00:00Z'],
    ]);
    given(failed).when(pay(3, { bankReference: 'BR-2' }), '2026-12-13T08:00:00Z').thenFails('PAYMENTS_BLOCKED', {
      reason: 'exam_pending',
    });
    given(failed).when(referral('R-2'), '2026-12-13T08:00:00Z').thenFails('EXAM_STEP_NOT_ALLOWED');
    given(failed).when(determination('cleared'), '2026-12-14T08:00:00Z').thenAccepts();
    given(failed)
      .when(markExamOverdue, '2027-01-31T10:00:00Z')
      .then([{ type: 'ExamOverdue', version: 1, data: { contractId: CONTRACT_ID, examDeadline: jalali(1405, 11, 10) } }]);
  });

  it('needs a non-empty note on a determination, recorded trimmed', () => {
    const overdue = history([[markExamOverdue, '2027-01-31T10:00:00Z']]);
    given(overdue).when(determination('cleared', '   '), '2027-02-02T08:00:00Z').thenFails('INVALID_COMMAND', { field: 'note' });
    // Invisible characters alone are no note either (a zero-width space, a ZWNJ, a direction mark).
    given(overdue).when(determination('cleared', '\u200b \u200c\u200f'), '2027-02-02T08:00:00Z').thenFails('INVALID_COMMAND', { field: 'note' });
    // Fillers drawn as nothing: the Hangul filler, the blank Braille pattern, a grapheme joiner, a variation selector.
    given(overdue).when(determination('cleared', '\u3164\u2800\u034f\ufe0f'), '2027-02-02T08:00:00Z').thenFails('INVALID_COMMAND', { field: 'note' });
    // An Arabic sign is drawn, though Unicode files it with the format characters: a note.
    const [signed] = given(overdue).when(determination('cleared', '\u06dd'), '2027-02-02T08:00:00Z').events();
    expect(signed.type === 'ExamDeterminationMade' && signed.data.note).toBe('\u06dd');
    const [made] = given(overdue).when(determination('cleared', '  seen at branch  '), '2027-02-02T08:00:00Z').events();
    expect(made.type === 'ExamDeterminationMade' && made.data.note).toBe('seen at branch');
  });

  it('refuses referral, result and determination on a closed contract as not active', () => {
    // Never paid: void since day 21, lapse recorded or not.
    const lapsed = needingExamAfter([[markLapsed, '2026-12-22T08:00:00Z']]);
    for (const command of [referral(), result('passed'), determination('cleared')]) {
      given(lapsed).when(command, '2026-12-23T08:00:00Z').thenFails('CONTRACT_NOT_ACTIVE');
    }
  });

  it('has no exam to mark overdue on a closed contract', () => {
    const lapsed = needingExamAfter([[markLapsed, '2026-12-22T08:00:00Z']]);
    given(lapsed).when(markExamOverdue, '2027-02-10T08:00:00Z').thenFails('NOTHING_TO_DO');
  });

  it('allows a determination only after a failed or overdue exam', () => {
    given(paidNeedingExam)
      .when(determination('cleared'), '2026-12-14T08:00:00Z')
      .thenFails('EXAM_STEP_NOT_ALLOWED');
  });

  it('lets a branch decide once the exam deadline has passed, before the overdue mark, recording ExamOverdue first', () => {
    // The outcome must not depend on how promptly the deadline runner records ExamOverdue.
    const overdue = { type: 'ExamOverdue', version: 1, data: { contractId: CONTRACT_ID, examDeadline: jalali(1405, 11, 10) } } as const;
    given(paidNeedingExam)
      .when(determination('cleared', 'examined late'), '2027-02-02T08:00:00Z')
      .then([
        overdue,
        { type: 'ExamDeterminationMade', version: 1, data: { contractId: CONTRACT_ID, outcome: 'cleared', note: 'examined late', madeOn: '2027-02-02' } },
      ]);
    const decided = history([[determination('cleared', 'examined late'), '2027-02-02T08:00:00Z']]);
    given(decided).when(markExamOverdue, '2027-02-03T08:00:00Z').thenFails('NOTHING_TO_DO');
    given(decided).when(pay(1, { bankReference: 'BR-2' }), '2027-02-03T08:00:00Z').thenAccepts();
    // Never paid: void since day 21, lapse recorded or not, so there is nothing left to decide on.
    given(openedNeedingExam).when(determination('cleared'), '2027-02-02T08:00:00Z').thenFails('CONTRACT_NOT_ACTIVE');
  });

  it('refuses exam commands on an exempt contract', () => {
    const paid = paidOnce;
    given(paid).when(referral(), '2026-12-10T08:00:00Z').thenFails('EXAM_NOT_REQUIRED');
    given(paid).when(result('passed'), '2026-12-10T08:00:00Z').thenFails('EXAM_NOT_REQUIRED');
    given(paid).when(determination('cleared'), '2026-12-10T08:00:00Z').thenFails('EXAM_NOT_REQUIRED');
  });
});

describe('3. Branch only: minors and people under guardianship', () => {
  const minor = facts({ birthDate: jalali(1389, 1, 1), contributionDays: 400 }); // 16 on 1405/09/10
  const ward = facts({ underGuardianship: true });

  it('sends a minor or a person under guardianship to a branch', () => {
    given([]).when(openOnline({ facts: minor }), CONTRACT_NOW).thenFails('BRANCH_VISIT_REQUIRED', { reasons: ['minor'] });
    given([]).when(openOnline({ facts: ward }), CONTRACT_NOW).thenFails('BRANCH_VISIT_REQUIRED', {
      reasons: ['guardianship'],
    });
  });

  it('treats 18 as adult (17 the day before the birthday)', () => {
    const turning18 = facts({ birthDate: jalali(1387, 9, 10) });
    const still17 = facts({ birthDate: jalali(1387, 9, 11) });
    given([]).when(openOnline({ facts: turning18 }), CONTRACT_NOW).thenAccepts();
    given([]).when(openOnline({ facts: still17 }), CONTRACT_NOW).thenFails('BRANCH_VISIT_REQUIRED');
  });

  it('concludes at a branch with the verified documents recorded, under the officer’s branch', () => {
    const documents = [
      { kind: 'growth_certificate' as const, reference: 'GC-15' },
      { kind: 'identity' as const, reference: 'ID-9' },
    ];
    const [event] = given([])
      .when(openAtBranch({ facts: minor, branchId: '1299', documents }), CONTRACT_NOW)
      .events();
    expect(event.type === 'ContractOpened' && [event.data.channel, event.data.branchId, event.data.documents]).toEqual([
      'branch',
      '1299',
      documents,
    ]);
  });

  it('requires a growth certificate for 15–18 and a guardianship letter under guardianship', () => {
    given([]).when(openAtBranch({ facts: minor }), CONTRACT_NOW).thenFails('DOCUMENTS_REQUIRED', {
      missing: ['growth_certificate'],
    });
    given([])
      .when(openAtBranch({ facts: facts({ underGuardianship: true, birthDate: jalali(1389, 1, 1) }) }), CONTRACT_NOW)
      .thenFails('DOCUMENTS_REQUIRED', { missing: ['growth_certificate', 'guardianship_letter'] });
    given([])
      .when(openAtBranch({ facts: ward, documents: [{ kind: 'guardianship_letter', reference: 'GL-3' }] }), CONTRACT_NOW)
      .thenAccepts();
  });

  it('refuses anyone under 15, even at a branch', () => {
    const child = facts({ birthDate: jalali(1390, 9, 11), contributionDays: 60 }); // 14 on 1405/09/10
    const documents = [{ kind: 'growth_certificate' as const, reference: 'GC-1' }];
    given([]).when(openAtBranch({ facts: child, documents }), CONTRACT_NOW).thenFails('NOT_ELIGIBLE', {
      reasons: ['AGE_LIMIT'],
    });
    given([])
      .when(openAtBranch({ facts: { ...child, birthDate: jalali(1390, 9, 10) }, documents }), CONTRACT_NOW)
      .thenAccepts();
  });

  it('refuses a document without a reference', () => {
    given([])
      .when(openAtBranch({ facts: minor, documents: [{ kind: 'identity', reference: 'ID-1' }, { kind: 'growth_certificate', reference: ' ' }] }), CONTRACT_NOW)
      .thenFails('INVALID_COMMAND', { field: 'documents.1.reference' });
  });
});

describe('4. Wage change before the first payment', () => {
  it('changes the wage and premium before the first payment', () => {
    given(opened)
      .when(changeWage(40_000_000), '2026-12-03T08:00:00Z')
      .then([
        {
          type: 'WageChanged',
          version: 1,
          data: {
            contractId: CONTRACT_ID,
            requestedMonthlyPremium: 40_000_000,
            wageBasis: 148_148_148,
            monthlyPremium: 40_000_000,
          },
        },
      ]);
  });

  it('is a no-op for the same premium', () => {
    given(opened).when(changeWage(PREMIUM), '2026-12-03T08:00:00Z').then([]);
  });

  it('refuses after the first payment', () => {
    given(paidOnce).when(changeWage(40_000_000), '2026-12-06T08:00:00Z').thenFails('WAGE_CHANGE_NOT_ALLOWED');
  });

  it('keeps the wage within bounds (± 1 rial)', () => {
    given(opened).when(changeWage(28_055_614), '2026-12-03T08:00:00Z').thenAccepts();
    given(opened).when(changeWage(28_055_613), '2026-12-03T08:00:00Z').thenFails('WAGE_OUT_OF_RANGE', {
      minPremium: 28_055_614,
      maxPremium: 196_389_295,
    });
  });

  it('charges the changed premium', () => {
    const changed = exemptAfter([[changeWage(40_000_000), '2026-12-03T08:00:00Z']]);
    given(changed).when(pay(1), FIRST_PAYMENT_AT).thenFails('AMOUNT_MISMATCH', { expectedAmount: 40_000_000 });
    given(changed).when(pay(1, { amount: 40_000_000 }), FIRST_PAYMENT_AT).thenAccepts();
  });
});

describe('5. First payment deadline: 20 days from the contract date', () => {
  it('confirms a payment, recording the periods it pays and the day cover runs to', () => {
    given(opened)
      .when(pay(1, { paidAt: FIRST_PAYMENT_AT }), FIRST_PAYMENT_AT)
      .then([
        {
          type: 'PaymentConfirmed',
          version: 1,
          data: {
            contractId: CONTRACT_ID,
            paymentId: 'pay-BR-1',
            bankReference: 'BR-1',
            periods: ['1405-09'],
            amount: PREMIUM,
            paidAt: '2026-12-05T06:00:00.000Z',
            paidThrough: jalali(1405, 9, 30),
          },
        },
      ]);
  });

  it('accepts the first payment on day 20 and refuses it on day 21 (Iran local days)', () => {
    given(opened).when(pay(1), '2026-12-21T12:00:00Z').thenAccepts(); // 1405/09/30 15:30
    given(opened).when(pay(1), '2026-12-21T20:29:59Z').thenAccepts(); // 1405/09/30 23:59:59
    given(opened).when(pay(1), '2026-12-21T20:30:00Z').thenFails('PAYMENT_DEADLINE_PASSED', {
      paymentDeadline: '2026-12-21',
    });
    given(opened).when(pay(1), '2026-12-22T06:00:00Z').thenFails('PAYMENT_DEADLINE_PASSED');
  });

  it('lapses the contract after day 20 without payment', () => {
    given(opened).when(markLapsed, '2026-12-21T20:29:59Z').thenFails('DEADLINE_NOT_REACHED', {
      dueAt: '2026-12-21T20:30:00.000Z',
    });
    given(opened)
      .when(markLapsed, '2026-12-21T20:30:00Z')
      .then([
        {
          type: 'ContractLapsed',
          version: 1,
          data: { contractId: CONTRACT_ID, reason: 'first_payment_deadline_missed', paymentDeadline: '2026-12-21' },
        },
      ]);
  });

  it('has nothing to lapse once paid', () => {
    given(paidOnce).when(markLapsed, '2026-12-22T08:00:00Z').thenFails('NOTHING_TO_DO');
  });

  it('refuses later payments and commands on a lapsed contract', () => {
    const lapsed = exemptAfter([[markLapsed, '2026-12-22T08:00:00Z']]);
    given(lapsed).when(pay(1), '2026-12-23T08:00:00Z').thenFails('PAYMENT_DEADLINE_PASSED');
    given(lapsed).when(changeWage(40_000_000), '2026-12-23T08:00:00Z').thenFails('CONTRACT_NOT_ACTIVE');
    given(lapsed).when(markLapsed, '2026-12-23T08:00:00Z').thenFails('NOTHING_TO_DO');
  });

  it('treats a wage change after the deadline as on a void contract', () => {
    given(opened).when(changeWage(40_000_000), '2026-12-22T06:00:00Z').thenFails('CONTRACT_NOT_ACTIVE');
  });
});

describe("5. A bank's confirmation: paidAt not after now + 5 minutes, not before the contract date", () => {
  // Contract date 2026-12-01 (1405/09/10), which began at 2026-11-30T20:30Z (00:00 Iran time).
  it('accepts paidAt up to 5 minutes after now (bank clock skew) and refuses 1 ms more', () => {
    given(opened).when(pay(1, { paidAt: '2026-12-05T06:05:00.000Z' }), FIRST_PAYMENT_AT).thenAccepts();
    given(opened).when(pay(1, { paidAt: '2026-12-05T06:05:00.001Z' }), FIRST_PAYMENT_AT).thenFails('PAID_AT_IMPLAUSIBLE', {
      reason: 'in_the_future',
      latestPaidAt: '2026-12-05T06:05:00.000Z',
    });
    given(opened).when(pay(1, { paidAt: '2030-01-01T00:00:00Z' }), FIRST_PAYMENT_AT).thenFails('PAID_AT_IMPLAUSIBLE', {
      reason: 'in_the_future',
    });
  });

  it('accepts paidAt from 00:00 Iran time of the contract date and refuses 1 ms before', () => {
    given(opened).when(pay(1, { paidAt: '2026-11-30T20:30:00.000Z' }), FIRST_PAYMENT_AT).thenAccepts();
    given(opened).when(pay(1, { paidAt: '2026-12-01T00:00:00+03:30' }), FIRST_PAYMENT_AT).thenAccepts();
    given(opened).when(pay(1, { paidAt: '2026-11-30T20:29:59.999Z' }), FIRST_PAYMENT_AT).thenFails('PAID_AT_IMPLAUSIBLE', {
      reason: 'before_contract_date',
      earliestPaidAt: '2026-11-30T20:30:00.000Z',
      contractDate: '2026-12-01',
    });
  });
});

describe('Rate: 27% of the wage basis, integer rial', () => {
  it('derives the wage from the premium and the premium back from the wage', () => {
    const [event] = openedHistory({ requestedMonthlyPremium: 28_055_615 });
    expect(event.type === 'ContractOpened' && [event.data.wageBasis, event.data.monthlyPremium]).toEqual([
      103_909_685, // round(28,055,615 × 100/27) = round(103,909,685.19)
      28_055_615, // round(103,909,685 × 27/100) = round(28,055,614.95)
    ]);
    const [up] = openedHistory({ requestedMonthlyPremium: 28_055_616 });
    expect(up.type === 'ContractOpened' && [up.data.wageBasis, up.data.monthlyPremium]).toEqual([
      103_909_689, // round(103,909,688.89): rounded, not truncated
      28_055_616,
    ]);
  });
});

describe('Wage bounds: minimum ≤ wage ≤ 7 × minimum', () => {
  it.each([
    [28_055_614, true],
    [28_055_613, false],
    [196_389_295, true],
    [196_389_296, false],
  ])('premium %d in range: %s', (premium, ok) => {
    const outcome = given([]).when(openOnline({ requestedMonthlyPremium: premium }), CONTRACT_NOW);
    if (ok) outcome.thenAccepts();
    else outcome.thenFails('WAGE_OUT_OF_RANGE', { minPremium: 28_055_614, maxPremium: 196_389_295 });
  });

  it('keeps the minimum wage of the contract date for a wage change made in the next Jalali year', () => {
    // Concluded 1403/12/25, the wage changed 1404/01/05 before the first payment: 1403's bounds hold.
    const concluded = '2025-03-15T08:00:00Z';
    const changedOn = '2025-03-25T08:00:00Z';
    const then = facts({ lastContributionDate: jalali(1403, 10, 1) });
    const history = historyOf([[openOnline({ requestedMonthlyPremium: 30_000_000, now: concluded, facts: then }), concluded]]);
    given(history).when(changeWage(20_000_000), changedOn).thenAccepts(); // under 1404's minimum (28,055,614)
    given(history).when(changeWage(150_000_000), changedOn).thenFails('WAGE_OUT_OF_RANGE', { minPremium: 19_348_697, maxPremium: 135_440_877 });
  });

  it('includes both wage bounds themselves (minimum wage ≤ wage basis ≤ 7 × minimum wage)', () => {
    // A minimum wage of 100,000,000: premiums 27,000,000 and 189,000,000 give exactly the bounds.
    const round = { ...POLICY_1403, minimumMonthlyWageByJalaliYear: { ...POLICY_1403.minimumMonthlyWageByJalaliYear, 1405: 100_000_000 } };
    for (const premium of [27_000_000, 189_000_000]) given([], round).when(openOnline({ requestedMonthlyPremium: premium, policy: round }), CONTRACT_NOW).thenAccepts();
    for (const premium of [26_999_999, 189_000_001]) {
      given([], round).when(openOnline({ requestedMonthlyPremium: premium, policy: round }), CONTRACT_NOW).thenFails('WAGE_OUT_OF_RANGE', { minPremium: 27_000_000, maxPremium: 189_000_000 });
    }
  });

  it('applies the 1403 minimum wage to a contract concluded in 1403', () => {
    const in1403 = '2025-01-10T08:00:00Z'; // 1403/10/21
    const then = facts({ lastContributionDate: jalali(1403, 6, 1) }); // the registry as it stood that day
    given([]).when(openOnline({ requestedMonthlyPremium: 19_348_697, now: in1403, facts: then }), in1403).thenAccepts();
    given([])
      .when(openOnline({ requestedMonthlyPremium: 19_348_696, now: in1403, facts: then }), in1403)
      .thenFails('WAGE_OUT_OF_RANGE', { minPremium: 19_348_697 });
  });
});

describe('Eligibility to conclude', () => {
  const refuses = (applicant = facts(), reasons: string[]) =>
    given([]).when(openOnline({ facts: applicant }), CONTRACT_NOW).thenFails('NOT_ELIGIBLE', { reasons });
  const accepts = (applicant = facts()) => given([]).when(openOnline({ facts: applicant }), CONTRACT_NOW).thenAccepts();

  it('needs at least 30 days of prior contributions (29 refused)', () => {
    refuses(facts({ contributionDays: 29 }), ['INSUFFICIENT_HISTORY']);
    accepts(facts({ contributionDays: 30 }));
  });

  it('refuses someone currently covered by compulsory insurance', () => {
    refuses(facts({ currentlyInsured: true }), ['CURRENTLY_INSURED']);
  });

  it('admits the main insured only, without a self-employed contract', () => {
    refuses(facts({ mainInsured: false }), ['NOT_MAIN_INSURED']);
    refuses(facts({ selfEmployedContract: true }), ['SELF_EMPLOYED_CONTRACT']);
  });

  it('reports every reason at once', () => {
    refuses(facts({ contributionDays: 10, currentlyInsured: true, mainInsured: false }), [
      'INSUFFICIENT_HISTORY',
      'CURRENTLY_INSURED',
      'NOT_MAIN_INSURED',
    ]);
  });

  it('age limit: exactly 50 is accepted', () => {
    accepts(facts({ birthDate: jalali(1355, 9, 10), contributionDays: 30 }));
  });

  it('age limit: 51 needs one contribution year (365 days), 364 days refused', () => {
    refuses(facts({ birthDate: jalali(1354, 9, 10), contributionDays: 364 }), ['AGE_LIMIT']);
    accepts(facts({ birthDate: jalali(1354, 9, 10), contributionDays: 365 }));
    accepts(facts({ birthDate: jalali(1354, 9, 11), contributionDays: 30 })); // still 50
  });

  it('age limit: 10 contribution years lift it altogether', () => {
    refuses(facts({ birthDate: jalali(1340, 1, 1), contributionDays: 9 * 365 }), ['AGE_LIMIT']); // 65
    accepts(facts({ birthDate: jalali(1340, 1, 1), contributionDays: 10 * 365 }));
  });
});

describe('Exam exemption: ≥ 365 days and ≤ 9 months since the last contribution', () => {
  const requirementOf = (events: ContractEvent[]) => events[0].type === 'ContractOpened' && events[0].data.examRequirement;

  it('is exempt with 365 days, required with 364', () => {
    expect(requirementOf(openedHistory({ facts: facts({ contributionDays: 365 }) }))).toBe('exempt');
    expect(requirementOf(openedHistory({ facts: facts({ contributionDays: 364 }) }))).toBe('required');
  });

  it('is exempt exactly 9 months after the last contribution, required 9 months + 1 day after', () => {
    expect(requirementOf(openedHistory({ facts: facts({ lastContributionDate: jalali(1404, 12, 10) }) }))).toBe('exempt');
    expect(requirementOf(openedHistory({ facts: facts({ lastContributionDate: jalali(1404, 12, 9) }) }))).toBe(
      'required',
    );
  });

  it('requires the exam when there is no last contribution date', () => {
    expect(
      requirementOf(openedHistory({ facts: facts({ lastContributionDate: null, contributionDays: 400 }) })),
    ).toBe('required');
  });
});

describe('Start date: the contract date or the first day of the next Jalali month', () => {
  it('starts on the first day of the next month when asked, and bills from that month', () => {
    const next = openedHistory({ startNextMonth: true });
    expect(next[0].type === 'ContractOpened' && next[0].data.startDate).toBe(jalali(1405, 10, 1));
    const [payment] = given(next).when(pay(1), FIRST_PAYMENT_AT).events();
    expect(payment.type === 'PaymentConfirmed' && payment.data.periods).toEqual(['1405-10']);
  });

  it('counts the payment and exam deadlines from the contract date, not from a later start date', () => {
    const [event] = openedHistory({ facts: factsNeedingExam(), startNextMonth: true });
    expect(event.type === 'ContractOpened' && [event.data.startDate, event.data.paymentDeadline, event.data.examDeadline]).toEqual([
      jalali(1405, 10, 1),
      jalali(1405, 9, 30), // 1405/09/10 + 20 days
      jalali(1405, 11, 10), // 1405/09/10 + 2 Jalali months
    ]);
  });
});

describe('Periods: 1–12 consecutive unpaid Jalali months, amount exact', () => {
  it('pays 12 periods at once across the year end', () => {
    const [payment] = given(opened).when(pay(12, { amount: 12 * PREMIUM }), FIRST_PAYMENT_AT).events();
    expect(payment.type === 'PaymentConfirmed' && [payment.data.periods[0], payment.data.periods[11], payment.data.paidThrough]).toEqual(
      ['1405-09', '1406-08', jalali(1406, 8, 30)],
    );
  });

  it('refuses 0 or 13 periods and non-integer counts', () => {
    for (const periods of [0, 13, 1.5]) {
      given(opened).when(pay(periods, { amount: PREMIUM }), FIRST_PAYMENT_AT).thenFails('INVALID_COMMAND', {
        field: 'periods',
      });
    }
  });

  it('refuses an amount off by one rial either way', () => {
    given(opened).when(pay(2, { amount: 2 * PREMIUM - 1 }), FIRST_PAYMENT_AT).thenFails('AMOUNT_MISMATCH', {
      expectedAmount: 2 * PREMIUM,
    });
    given(opened).when(pay(2, { amount: 2 * PREMIUM + 1 }), FIRST_PAYMENT_AT).thenFails('AMOUNT_MISMATCH');
  });

  it('refuses a non-integer or non-positive amount as invalid', () => {
    given(opened).when(pay(1, { amount: PREMIUM + 0.5 }), FIRST_PAYMENT_AT).thenFails('INVALID_COMMAND', {
      field: 'amount',
    });
    given(opened).when(pay(1, { amount: 0 }), FIRST_PAYMENT_AT).thenFails('INVALID_COMMAND');
  });

  it('continues from the first unpaid period', () => {
    const [payment] = given(paidOnce).when(pay(2, { bankReference: 'BR-2' }), '2026-12-20T08:00:00Z').events();
    expect(payment.type === 'PaymentConfirmed' && payment.data.periods).toEqual(['1405-10', '1405-11']);
  });

  it('ignores a repeated bank confirmation and refuses a reused reference for another payment', () => {
    given(paidOnce).when(pay(1), '2026-12-06T08:00:00Z').then([]);
    given(paidOnce).when(pay(2), '2026-12-06T08:00:00Z').thenFails('BANK_REFERENCE_REUSED', { paymentId: 'pay-BR-1' });
    // The same period count with another amount is another payment too, not a repeat.
    given(paidOnce).when(pay(1, { amount: PREMIUM + 1 }), '2026-12-06T08:00:00Z').thenFails('BANK_REFERENCE_REUSED', { paymentId: 'pay-BR-1' });
  });

  it('takes the same reference from another bank (another payment id) as another payment', () => {
    const [payment] = given(paidOnce).when(pay(1, { paymentId: 'pay-other-bank-BR-1' }), '2026-12-06T08:00:00Z').events();
    expect(payment.type === 'PaymentConfirmed' && [payment.data.paymentId, payment.data.periods]).toEqual(['pay-other-bank-BR-1', ['1405-10']]);
  });

  it('refuses periods after 1499-12, where the deadlines computed from them would leave the calendar', () => {
    // Found by a black-box probe: paid into 1500, the deadline schedule failed on the event for good
    // (a poison event for every contract's deadlines). Prepaid 12 periods at a time up to 1499-11:
    const steps: [ContractCommand, string][] = [[openOnline(), CONTRACT_NOW]];
    for (let n = 0; n < 94; n++) steps.push([pay(12, { bankReference: `BR-${n}` }), FIRST_PAYMENT_AT]);
    steps.push([pay(3, { bankReference: 'BR-last' }), FIRST_PAYMENT_AT]);
    const prepaid = historyOf(steps);
    const last = prepaid[prepaid.length - 1]!;
    expect(last.type === 'PaymentConfirmed' && last.data.periods.at(-1)).toBe('1499-11');
    const through1499 = [...prepaid, ...given(prepaid).when(pay(1, { bankReference: 'BR-1499-12' }), FIRST_PAYMENT_AT).events()];
    expect(pendingDeadlines(replay(through1499)!, POLICY_1403)).toEqual([{ command: 'CancelForNonPayment', dueAt: expect.any(String) }]);
    given(prepaid).when(pay(2, { bankReference: 'BR-1500-01' }), FIRST_PAYMENT_AT).thenFails('INVALID_COMMAND', { field: 'periods' });
  });

  it('refuses a malformed paidAt', () => {
    given(opened).when(pay(1, { paidAt: '5 Dec 2026' }), FIRST_PAYMENT_AT).thenFails('INVALID_COMMAND', {
      field: 'paidAt',
    });
  });
});

describe('Non-payment after the first payment: cancelled after more than 3 months', () => {
  // Last paid period 1405-09: 1405-10, -11 and -12 may go unpaid; cancellable from 1406/01/01.
  it('cancels from the first day after the three unpaid months, not before', () => {
    given(paidOnce).when(cancelForNonPayment, '2027-03-20T20:29:59Z').thenFails('DEADLINE_NOT_REACHED', {
      dueAt: '2027-03-20T20:30:00.000Z',
    });
    given(paidOnce)
      .when(cancelForNonPayment, '2027-03-20T20:30:00Z')
      .then([
        { type: 'ContractCancelled', version: 1, data: { contractId: CONTRACT_ID, reason: 'non_payment', lastPaidPeriod: '1405-09' } },
      ]);
  });

  it('has nothing to cancel before any payment or after a later payment', () => {
    given(opened).when(cancelForNonPayment, '2027-04-01T08:00:00Z').thenFails('NOTHING_TO_DO');
    const paidAgain = exemptAfter([
      [pay(1), FIRST_PAYMENT_AT],
      [pay(3, { bankReference: 'BR-2' }), '2027-02-01T08:00:00Z'],
    ]);
    given(paidAgain).when(cancelForNonPayment, '2027-03-21T08:00:00Z').thenFails('DEADLINE_NOT_REACHED');
  });

  it('never comes due once the exam deadline passed first, whether or not ExamOverdue is recorded', () => {
    // Exam deadline 1405/11/10, cancellation otherwise due 1406/01/01: payments were blocked first,
    // so a runner that fires the cancellation before the overdue mark must not cancel.
    const paidNeedingExam = needingExamAfter([[pay(1), FIRST_PAYMENT_AT]]);
    given(paidNeedingExam).when(cancelForNonPayment, '2027-03-21T08:00:00Z').thenFails('NOTHING_TO_DO');
  });

  it('on the very instant payments become blocked, does not come due either: the exam block wins the tie', () => {
    // Concluded 1405/09/30 needing the exam: its deadline 1405/11/30, payments blocked from 1405/12/01.
    // With two unpaid months allowed, 1405-09 paid, cancellation would also be due from 1405/12/01.
    const twoMonths = { ...POLICY_1403, nonPaymentCancelMonths: 2 };
    const concluded = '2026-12-21T08:00:00Z';
    const paid = needingExamTie(twoMonths, concluded);
    const tie = new Date(iranDayStart(jalali(1405, 12, 1)).getTime() + 3_600_000).toISOString(); // 01:00 that day
    given(paid, twoMonths).when(cancelForNonPayment, tie).thenFails('NOTHING_TO_DO');
  });

  it('refuses a payment once cancellation is due, and everything after cancellation', () => {
    given(paidOnce).when(pay(1, { bankReference: 'BR-2' }), '2027-03-21T08:00:00Z').thenFails('CONTRACT_NOT_ACTIVE');
    const cancelled = exemptAfter([
      [pay(1), FIRST_PAYMENT_AT],
      [cancelForNonPayment, '2027-03-21T08:00:00Z'],
    ]);
    given(cancelled).when(pay(1, { bankReference: 'BR-2' }), '2027-03-22T08:00:00Z').thenFails('CONTRACT_NOT_ACTIVE', { contractStatus: 'cancelled' });
    given(cancelled).when(cancelForNonPayment, '2027-03-22T08:00:00Z').thenFails('NOTHING_TO_DO');
  });
});

describe('Contract number and validation', () => {
  it('needs a 10-digit contract number allocated outside', () => {
    for (const contractNumber of ['12345', '140500000', '14050000001', '140500000a']) {
      given([]).when(openOnline({ contractNumber }), CONTRACT_NOW).thenFails('INVALID_COMMAND', { field: 'contractNumber' });
    }
    given([]).when(openOnline({ contractNumber: '1405000001' }), CONTRACT_NOW).thenAccepts();
  });

  it('refuses registry data with an invalid national code', () => {
    given([])
      .when(openOnline({ facts: facts({ nationalCode: '0499370898' }) }), CONTRACT_NOW)
      .thenFails('REGISTRY_DATA_INVALID', { fields: ['nationalCode'] });
  });

  it('refuses registry dates after the contract date: a contribution recorded in the future would waive the exam', () => {
    given([])
      .when(openOnline({ facts: facts({ lastContributionDate: '2030-01-01', birthDate: '2027-01-01' }) }), CONTRACT_NOW)
      .thenFails('REGISTRY_DATA_INVALID', { fields: ['birthDate', 'lastContributionDate'] });
    // On the contract date itself it is still a fact.
    given([]).when(openOnline({ facts: facts({ lastContributionDate: '2026-12-01' }) }), CONTRACT_NOW).events();
  });

  it('refuses commands for a contract that does not exist', () => {
    given([]).when(pay(1), FIRST_PAYMENT_AT).thenFails('CONTRACT_NOT_FOUND');
    given([]).when(markLapsed, FIRST_PAYMENT_AT).thenFails('CONTRACT_NOT_FOUND');
  });

  it('decides under the policy it is given', () => {
    const generous = { ...POLICY_1403, firstPaymentDays: 30 };
    given(historyOf([[openOnline(), CONTRACT_NOW]], generous), generous)
      .when(pay(1), '2026-12-25T08:00:00Z')
      .thenAccepts();
  });
});
