import { ageOn, assess, examRequirementOf } from './eligibility';
import { POLICY_1403 } from './policy';
import { quote } from './quote';
import { facts, jalali } from './testing/fixtures';

const contractDate = jalali(1405, 9, 10);

describe('age on the contract date (full Jalali years)', () => {
  it('counts the birthday itself as the new year of age', () => {
    expect(ageOn(jalali(1355, 9, 10), contractDate)).toBe(50);
    expect(ageOn(jalali(1355, 9, 11), contractDate)).toBe(49);
  });

  it('lets someone born on 30 Esfand turn a year older on 1 Farvardin of a common year', () => {
    expect(ageOn(jalali(1403, 12, 30), jalali(1404, 12, 29))).toBe(0);
    expect(ageOn(jalali(1403, 12, 30), jalali(1405, 1, 1))).toBe(1);
  });
});

describe('assessment', () => {
  it('names the branch visit reasons and the documents a branch must verify', () => {
    const result = assess(facts({ birthDate: jalali(1389, 1, 1), underGuardianship: true }), contractDate, POLICY_1403);
    expect(result.branchVisitReasons).toEqual(['minor', 'guardianship']);
    expect(result.requiredDocuments).toEqual(['growth_certificate', 'guardianship_letter']);
    expect(result.reasons).toEqual([]);
  });

  it('decides the exam exemption from history and recency', () => {
    expect(examRequirementOf(facts(), contractDate, POLICY_1403)).toBe('exempt');
    expect(examRequirementOf(facts({ contributionDays: 364 }), contractDate, POLICY_1403)).toBe('required');
    expect(examRequirementOf(facts({ lastContributionDate: jalali(1404, 12, 9) }), contractDate, POLICY_1403)).toBe(
      'required',
    );
  });
});

describe('quote', () => {
  const now = new Date('2026-12-01T08:00:00Z');

  it('gives the figures the applicant confirms', () => {
    expect(quote(facts(), 30_000_000, false, now, POLICY_1403)).toEqual({
      premiumRate: 0.27,
      wageBasis: 111_111_111,
      monthlyPremium: 30_000_000,
      minPremium: 28_055_614,
      maxPremium: 196_389_295,
      contractDate: '2026-12-01',
      contractDateJalali: '1405/09/10',
      startDate: '2026-12-01',
      startDateJalali: '1405/09/10',
      examRequirement: 'exempt',
      termsVersion: '1403.1',
      policyVersion: '1403.1',
    });
  });

  it('gives the allowed premium range of the contract date\'s Jalali year', () => {
    const in1403 = new Date('2025-01-10T08:00:00Z'); // 1403/10/21
    const then = facts({ lastContributionDate: jalali(1403, 6, 1) });
    expect(quote(then, 30_000_000, false, in1403, POLICY_1403)).toMatchObject({ minPremium: 19_348_697, maxPremium: 135_440_877 });
    expect(quote(then, 30_000_000, false, new Date('2025-04-10T08:00:00Z'), POLICY_1403)).toMatchObject({ minPremium: 28_055_614, maxPremium: 196_389_295 }); // 1404/01/21
  });

  it('starts next month when asked, also across the Jalali year end', () => {
    expect(quote(facts(), 30_000_000, true, now, POLICY_1403).startDateJalali).toBe('1405/10/01');
    const esfand = new Date('2027-03-10T08:00:00Z'); // 1405/12/19
    expect(quote(facts(), 30_000_000, true, esfand, POLICY_1403).startDate).toBe('2027-03-21');
  });

  it('takes the contract date in Iran time', () => {
    // 21:00Z on 30 November is already 1 December (1405/09/10) in Iran.
    expect(quote(facts(), 30_000_000, false, new Date('2026-11-30T21:00:00Z'), POLICY_1403).contractDate).toBe(
      '2026-12-01',
    );
  });

  it('refuses an ineligible applicant but quotes a minor (the branch question is the open command’s)', () => {
    expect(() => quote(facts({ contributionDays: 29 }), 30_000_000, false, now, POLICY_1403)).toThrow(
      expect.objectContaining({ code: 'NOT_ELIGIBLE', details: { reasons: ['INSUFFICIENT_HISTORY'] } }),
    );
    expect(quote(facts({ birthDate: jalali(1389, 1, 1) }), 30_000_000, false, now, POLICY_1403).wageBasis).toBe(
      111_111_111,
    );
  });
});
