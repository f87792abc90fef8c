/**
 * The regulation's numbers as data. A policy version applies from its effective date; the value
 * in force on the contract date governs the contract. Nothing else in the domain holds a rate,
 * a bound or a day count.
 */
import { IsoDate, iranDate } from './jalali';

/** An exact ratio, so money maths never touches a float. */
export interface Rational {
  readonly numerator: number;
  readonly denominator: number;
}

export interface Terms {
  readonly version: string;
  readonly effectiveFrom: IsoDate;
  readonly title: string;
  readonly textFa: string;
}

export interface Policy {
  readonly version: string;
  readonly effectiveFrom: IsoDate;
  readonly premiumRate: Rational;
  /** Minimum monthly wage (30 × minimum daily wage) in rial, by Jalali year. */
  readonly minimumMonthlyWageByJalaliYear: Readonly<Record<number, number>>;
  readonly maxWageMultiple: number;
  readonly firstPaymentDays: number;
  readonly examMonths: number;
  readonly nonPaymentCancelMonths: number;
  readonly minContributionDays: number;
  readonly exemptionMinContributionDays: number;
  readonly exemptionMaxMonthsSinceLastContribution: number;
  readonly maxAge: number;
  /** Contribution years that lift the age limit altogether. */
  readonly ageLimitLiftYears: number;
  /** Days of contribution that count as one contribution year. */
  readonly daysPerContributionYear: number;
  /** Below this age nobody may conclude; from it up to adultAge only at a branch, with a growth certificate. */
  readonly minimumAge: number;
  readonly adultAge: number;
  readonly maxPeriodsPerPayment: number;
  /** Inpatient cover before a required exam is passed ("to be announced" in the directive). */
  readonly inpatientBeforeExam: 'covered' | 'not_covered';
  readonly terms: Terms;
}

export type PolicyTable = readonly Policy[];

export const POLICY_1403: Policy = {
  version: '1403.1',
  effectiveFrom: '2024-03-20',
  premiumRate: { numerator: 27, denominator: 100 },
  minimumMonthlyWageByJalaliYear: { 1403: 71_661_840, 1404: 103_909_680 },
  maxWageMultiple: 7,
  firstPaymentDays: 20,
  examMonths: 2,
  nonPaymentCancelMonths: 3,
  minContributionDays: 30,
  exemptionMinContributionDays: 365,
  exemptionMaxMonthsSinceLastContribution: 9,
  maxAge: 50,
  ageLimitLiftYears: 10,
  daysPerContributionYear: 365,
  minimumAge: 15,
  adultAge: 18,
  maxPeriodsPerPayment: 12,
  inpatientBeforeExam: 'not_covered',
  terms: {
    version: '1403.1',
    effectiveFrom: '2024-03-20',
    title: 'آیین‌نامه ادامه بیمه به طور اختیاری',
    textFa:
      'متقاضی با پذیرش این آیین‌نامه متعهد می‌شود حق بیمه ماهانه را به میزان ۲۷ درصد دستمزد مبنا ' +
      'حداکثر ظرف ۲۰ روز از تاریخ قرارداد و پس از آن به‌طور مرتب پرداخت کند. عدم پرداخت نخستین ' +
      'حق بیمه در مهلت مقرر موجب بی‌اثر شدن قرارداد و عدم پرداخت بیش از سه ماه موجب لغو آن است. ' +
      'متقاضیان غیرمعاف باید ظرف دو ماه از تاریخ قرارداد معاینات پزشکی را انجام دهند.',
  },
};

/** Policy versions, oldest first. Add a version when the regulation changes; never edit one. */
export const POLICY_TABLE: PolicyTable = [POLICY_1403];

/** The policy version in force on an Iran civil date (or at an instant). */
export function policyAt(date: IsoDate | Date, table: PolicyTable = POLICY_TABLE): Policy {
  const day = date instanceof Date ? iranDate(date) : date;
  const inForce = table.filter((p) => p.effectiveFrom <= day);
  const policy = inForce.length > 0 ? inForce[inForce.length - 1] : table[0];
  if (!policy) throw new RangeError('the policy table is empty');
  return policy;
}

/**
 * Minimum monthly wage for a Jalali year: the year's own value once announced, otherwise the
 * latest known year before it (or the earliest known, for a year before the table starts).
 */
export function minimumMonthlyWage(policy: Policy, jalaliYear: number): number {
  const years = Object.keys(policy.minimumMonthlyWageByJalaliYear)
    .map(Number)
    .sort((a, b) => a - b);
  const known = years.filter((y) => y <= jalaliYear);
  const year = known.length > 0 ? known[known.length - 1] : years[0];
  return policy.minimumMonthlyWageByJalaliYear[year];
}

/** The rate as the API shows it (0.27); never used in money maths. */
export function rateAsNumber(rate: Rational): number {
  return rate.numerator / rate.denominator;
}
