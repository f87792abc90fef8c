/** What the applicant sees before confirming: the same numbers the open commands recompute. */
import { ApplicantFacts, Assessment, ExamRequirement, assertEligible, assertValidFacts, assess } from './eligibility';
import {
  IsoDate,
  firstDayOfNextJalaliMonth,
  gregorianToJalali,
  jalaliOfIso,
  iranDate,
  jalaliToGregorian,
} from './jalali';
import { choosePremium, wageBounds } from './money';
import { Policy, rateAsNumber } from './policy';

export interface Quote {
  readonly premiumRate: number;
  readonly wageBasis: number;
  readonly monthlyPremium: number;
  readonly minPremium: number;
  readonly maxPremium: number;
  readonly contractDate: IsoDate;
  readonly contractDateJalali: string;
  readonly startDate: IsoDate;
  readonly startDateJalali: string;
  readonly examRequirement: ExamRequirement;
  readonly termsVersion: string;
  readonly policyVersion: string;
}

/** The applicant's standing on a contract date: registry data checked and eligibility decided. */
export interface AssessedApplication {
  readonly contractDate: IsoDate;
  readonly assessment: Assessment;
}

/** Start date: the contract date, or the first day of the next Jalali month when asked. */
export function startDateFor(contractDate: IsoDate, startNextMonth: boolean): IsoDate {
  return startNextMonth ? jalaliToGregorian(firstDayOfNextJalaliMonth(gregorianToJalali(contractDate))) : contractDate;
}

/** Refuses bad registry data (REGISTRY_DATA_INVALID) and an ineligible applicant (NOT_ELIGIBLE). */
export function assessApplication(facts: ApplicantFacts, now: Date, policy: Policy): AssessedApplication {
  const contractDate = iranDate(now);
  assertValidFacts(facts, contractDate);
  const assessment = assess(facts, contractDate, policy);
  assertEligible(assessment);
  return { contractDate, assessment };
}

/** Prices an assessed application; refuses a premium out of range (WAGE_OUT_OF_RANGE). */
export function priceApplication(
  { contractDate, assessment }: AssessedApplication,
  requestedMonthlyPremium: number,
  startNextMonth: boolean,
  policy: Policy,
): Quote {
  // The minimum wage of the contract date's Jalali year governs the contract.
  const year = gregorianToJalali(contractDate).year;
  const { wageBasis, monthlyPremium } = choosePremium(requestedMonthlyPremium, policy, year);
  const { minPremium, maxPremium } = wageBounds(policy, year);
  const startDate = startDateFor(contractDate, startNextMonth);
  return {
    premiumRate: rateAsNumber(policy.premiumRate),
    wageBasis,
    monthlyPremium,
    minPremium,
    maxPremium,
    contractDate,
    contractDateJalali: jalaliOfIso(contractDate),
    startDate,
    startDateJalali: jalaliOfIso(startDate),
    examRequirement: assessment.examRequirement,
    termsVersion: policy.terms.version,
    policyVersion: policy.version,
  };
}

/**
 * The quote for an application made at `now`. Whether the applicant may conclude online is the
 * open command's question, not the quote's: a minor may learn the numbers before visiting a branch.
 */
export function quote(
  facts: ApplicantFacts,
  requestedMonthlyPremium: number,
  startNextMonth: boolean,
  now: Date,
  policy: Policy,
): Quote {
  return priceApplication(assessApplication(facts, now, policy), requestedMonthlyPremium, startNextMonth, policy);
}
