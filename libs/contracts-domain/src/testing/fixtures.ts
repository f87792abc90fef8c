/**
 * Test data for the domain specs. The default applicant is eligible and exam-exempt on the
 * default contract date, 2026-12-01 (1405/09/10); histories are built by running the real
 * commands, so a fixture can never hold an event the decider would not produce.
 */
import { ConfirmPayment, ContractCommand, OpenContractAtBranch, OpenContractData, OpenContractOnline } from '../commands';
import { decide } from '../decide';
import { ApplicantFacts } from '../eligibility';
import { ContractEvent } from '../events';
import { IsoDate, jalaliToGregorian } from '../jalali';
import { POLICY_1403, Policy } from '../policy';
import { quote } from '../quote';
import { evolve } from '../state';

/** 11:30 Iran time on 1405/09/10. */
export const CONTRACT_NOW = '2026-12-01T08:00:00Z';
export const CONTRACT_ID = 'c0ffee00-0000-4000-8000-000000000001';
export const CONTRACT_NUMBER = '1405000001';
export const PREMIUM = 30_000_000;
/** round(30,000,000 × 100/27) */
export const WAGE = 111_111_111;

/** The ISO date of a Jalali date, to write edges in the calendar the rules use. */
export function jalali(year: number, month: number, day: number): IsoDate {
  return jalaliToGregorian({ year, month, day });
}

export function facts(overrides: Partial<ApplicantFacts> = {}): ApplicantFacts {
  return {
    nationalCode: '0499370899',
    firstName: 'مریم',
    lastName: 'احمدی',
    birthDate: jalali(1364, 3, 25),
    gender: 'female',
    mobile: '09121234567',
    address: 'تهران، خیابان آزادی، پلاک ۱۰',
    branchId: '1201',
    provinceCode: '23',
    contributionDays: 2_000,
    lastContributionDate: jalali(1405, 3, 11),
    currentlyInsured: false,
    mainInsured: true,
    underGuardianship: false,
    selfEmployedContract: false,
    ...overrides,
  };
}

/** Facts of an applicant who must be examined: last contribution more than 9 months ago. */
export function factsNeedingExam(overrides: Partial<ApplicantFacts> = {}): ApplicantFacts {
  return facts({ lastContributionDate: jalali(1404, 12, 9), ...overrides });
}

type OpenOptions = Partial<OpenContractData> & { now?: string; policy?: Policy };

/** An online open whose confirmation matches the quote (when there is one to match). */
export function openOnline(options: OpenOptions = {}): OpenContractOnline {
  return { type: 'OpenContractOnline', data: openData(options) };
}

export function openAtBranch(
  options: OpenOptions & Partial<Pick<OpenContractAtBranch['data'], 'branchId' | 'documents'>> = {},
): OpenContractAtBranch {
  const { branchId = '1299', documents = [{ kind: 'identity', reference: 'ID-1' }], ...rest } = options;
  return { type: 'OpenContractAtBranch', data: { ...openData(rest), branchId, documents } };
}

/**
 * A bank's confirmation, paid at the default contract's conclusion instant unless told otherwise:
 * a plausible paidAt for any decision on that contract from its conclusion on. A contract opened on
 * another day, or a payment decided before CONTRACT_NOW, needs its own paidAt.
 */
export function pay(periods: number, overrides: Partial<ConfirmPayment['data']> = {}): ConfirmPayment {
  return {
    type: 'ConfirmPayment',
    data: {
      paymentId: `pay-${overrides.bankReference ?? 'BR-1'}`,
      bankReference: 'BR-1',
      periods,
      amount: periods * PREMIUM,
      paidAt: CONTRACT_NOW,
      ...overrides,
    },
  };
}

/** Runs commands in order and returns the history they produce. */
export function historyOf(steps: [ContractCommand, string][], policy: Policy = POLICY_1403): ContractEvent[] {
  const events: ContractEvent[] = [];
  let state = undefined as ReturnType<typeof evolve>;
  for (const [command, now] of steps) {
    for (const event of decide(command, state, new Date(now), policy)) {
      events.push(event);
      state = evolve(state, event);
    }
  }
  return events;
}

/** An opened contract (exempt by default; pass factsNeedingExam() for one that needs the exam). */
export function openedHistory(options: OpenOptions = {}): ContractEvent[] {
  return historyOf([[openOnline(options), options.now ?? CONTRACT_NOW]]);
}

function openData(options: OpenOptions): OpenContractData {
  const { now = CONTRACT_NOW, policy = POLICY_1403, ...overrides } = options;
  const applicant = overrides.facts ?? facts();
  const requested = overrides.requestedMonthlyPremium ?? PREMIUM;
  const startNextMonth = overrides.startNextMonth ?? false;
  return {
    contractId: CONTRACT_ID,
    contractNumber: CONTRACT_NUMBER,
    facts: applicant,
    requestedMonthlyPremium: requested,
    startNextMonth,
    acceptedTermsVersion: policy.terms.version,
    confirm: confirmationFor(applicant, requested, startNextMonth, now, policy),
    examUndertaking: true,
    corrections: {},
    ...overrides,
  };
}

function confirmationFor(
  applicant: ApplicantFacts,
  requested: number,
  startNextMonth: boolean,
  now: string,
  policy: Policy,
): OpenContractData['confirm'] {
  try {
    const q = quote(applicant, requested, startNextMonth, new Date(now), policy);
    return { premiumRate: q.premiumRate, wageBasis: q.wageBasis, startDate: q.startDate };
  } catch {
    // No quote for this applicant: the spec is about the refusal, so any confirmation will do.
    return { premiumRate: 0.27, wageBasis: WAGE, startDate: '2026-12-01' };
  }
}
