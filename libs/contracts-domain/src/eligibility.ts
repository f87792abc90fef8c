/**
 * Who may conclude a voluntary contract, who must be examined, and who must come to a branch —
 * all decided from the registry's facts on the contract date.
 */
import { DomainError, IneligibilityReason } from './errors';
import { IsoDate, addJalaliMonthsIso, compareJalali, gregorianToJalali, isIsoDate } from './jalali';
import { Policy } from './policy';
import { isValidNationalCode } from './validation';

/** One registry record (the REGISTRY_FILE format). */
export interface ApplicantFacts {
  readonly nationalCode: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly birthDate: IsoDate;
  readonly gender: string;
  readonly mobile: string;
  readonly address: string;
  readonly branchId: string;
  readonly provinceCode: string;
  readonly contributionDays: number;
  readonly lastContributionDate: IsoDate | null;
  readonly currentlyInsured: boolean;
  readonly mainInsured: boolean;
  readonly underGuardianship: boolean;
  readonly selfEmployedContract: boolean;
}

export type ExamRequirement = 'exempt' | 'required';
export type DocumentKind = 'growth_certificate' | 'guardianship_letter' | 'identity';
export type BranchVisitReason = 'minor' | 'guardianship';

export interface Assessment {
  readonly age: number;
  readonly reasons: readonly IneligibilityReason[];
  readonly examRequirement: ExamRequirement;
  /** Why the applicant cannot conclude online (empty: online is fine). */
  readonly branchVisitReasons: readonly BranchVisitReason[];
  /** Documents a branch officer must verify before concluding. */
  readonly requiredDocuments: readonly DocumentKind[];
}

/** Full Jalali years from birth to the date (a birthday on 30 Esfand comes on 1 Farvardin in common years). */
export function ageOn(birthDate: IsoDate, date: IsoDate): number {
  const born = gregorianToJalali(birthDate);
  const today = gregorianToJalali(date);
  const hadBirthday = compareJalali({ ...today, year: born.year }, born) >= 0;
  return today.year - born.year - (hadBirthday ? 0 : 1);
}

export function contributionYears(facts: ApplicantFacts, policy: Policy): number {
  return Math.floor(facts.contributionDays / policy.daysPerContributionYear);
}

export function examRequirementOf(facts: ApplicantFacts, contractDate: IsoDate, policy: Policy): ExamRequirement {
  const enoughHistory = facts.contributionDays >= policy.exemptionMinContributionDays;
  const recent =
    facts.lastContributionDate !== null &&
    addJalaliMonthsIso(facts.lastContributionDate, policy.exemptionMaxMonthsSinceLastContribution) >= contractDate;
  return enoughHistory && recent ? 'exempt' : 'required';
}

export function assess(facts: ApplicantFacts, contractDate: IsoDate, policy: Policy): Assessment {
  const age = ageOn(facts.birthDate, contractDate);
  const reasons: IneligibilityReason[] = [];
  if (facts.contributionDays < policy.minContributionDays) reasons.push('INSUFFICIENT_HISTORY');
  if (!withinAgeLimit(facts, age, policy)) reasons.push('AGE_LIMIT');
  if (facts.currentlyInsured) reasons.push('CURRENTLY_INSURED');
  if (!facts.mainInsured) reasons.push('NOT_MAIN_INSURED');
  if (facts.selfEmployedContract) reasons.push('SELF_EMPLOYED_CONTRACT');

  const branchVisitReasons: BranchVisitReason[] = [];
  const requiredDocuments: DocumentKind[] = [];
  if (age < policy.adultAge) {
    branchVisitReasons.push('minor');
    requiredDocuments.push('growth_certificate');
  }
  if (facts.underGuardianship) {
    branchVisitReasons.push('guardianship');
    requiredDocuments.push('guardianship_letter');
  }
  return {
    age,
    reasons,
    examRequirement: examRequirementOf(facts, contractDate, policy),
    branchVisitReasons,
    requiredDocuments,
  };
}

/** Refuses with NOT_ELIGIBLE and every reason that applies. */
export function assertEligible(assessment: Assessment): void {
  if (assessment.reasons.length > 0) {
    throw new DomainError('NOT_ELIGIBLE', 'the applicant is not eligible for a voluntary contract', {
      reasons: [...assessment.reasons],
    });
  }
}

/**
 * Registry data must be well formed before any rule reads it, and its dates no later than the
 * contract date: a contribution recorded in the future would waive the exam on the strength of it.
 */
export function assertValidFacts(facts: ApplicantFacts, contractDate: IsoDate): void {
  const problems: string[] = [];
  if (!isValidNationalCode(facts.nationalCode)) problems.push('nationalCode');
  if (!isIsoDate(facts.birthDate) || facts.birthDate > contractDate) problems.push('birthDate');
  if (facts.lastContributionDate !== null && (!isIsoDate(facts.lastContributionDate) || facts.lastContributionDate > contractDate)) {
    problems.push('lastContributionDate');
  }
  if (!Number.isSafeInteger(facts.contributionDays) || facts.contributionDays < 0) problems.push('contributionDays');
  if (problems.length > 0) {
    throw new DomainError('REGISTRY_DATA_INVALID', `invalid applicant data: ${problems.join(', ')}`, { fields: problems });
  }
}

/**
 * Up to maxAge anyone may conclude; older applicants need a contribution year for each year over
 * it, and ageLimitLiftYears of contributions lift the limit. Below minimumAge nobody may (a child
 * under the legal working age cannot have the contribution history the scheme continues).
 */
function withinAgeLimit(facts: ApplicantFacts, age: number, policy: Policy): boolean {
  if (age < policy.minimumAge) return false;
  if (age <= policy.maxAge) return true;
  const years = contributionYears(facts, policy);
  return years >= policy.ageLimitLiftYears || years >= age - policy.maxAge;
}
