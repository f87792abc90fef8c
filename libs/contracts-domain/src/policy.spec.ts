import { DomainError } from './errors';
import { choosePremium, mulRatioRound, premiumFromWage, wageBounds, wageFromPremium } from './money';
import { policyFor } from './decide';
import { POLICY_1403, Policy, minimumMonthlyWage, policyAt, rateAsNumber } from './policy';
import { replay } from './state';
import { CONTRACT_NOW, historyOf, openOnline } from './testing/fixtures';

const policy = POLICY_1403;
const rate = policy.premiumRate;

describe('policy table', () => {
  const later: Policy = { ...POLICY_1403, version: '1405.1', effectiveFrom: '2026-03-21' };
  const table = [POLICY_1403, later];

  it('picks the version in force on the date', () => {
    expect(policyAt('2026-03-20', table).version).toBe('1403.1');
    expect(policyAt('2026-03-21', table).version).toBe('1405.1');
    // 2026-03-20T20:30Z is already 2026-03-21 in Iran.
    expect(policyAt(new Date('2026-03-20T20:30:00Z'), table).version).toBe('1405.1');
  });

  it("decides a contract's commands under the version in force on its contract date, an open under today's", () => {
    const opened = replay(historyOf([[openOnline(), CONTRACT_NOW]])); // contract date 2026-12-01
    const nextYear: Policy = { ...POLICY_1403, version: '1406.1', effectiveFrom: '2027-03-21' };
    const now = new Date('2027-04-01T08:00:00Z');
    expect(policyFor(opened, now, [POLICY_1403, nextYear]).version).toBe('1403.1');
    expect(policyFor(undefined, now, [POLICY_1403, nextYear]).version).toBe('1406.1');
  });

  it('gives the minimum wage by Jalali year, the latest known for later years', () => {
    expect(minimumMonthlyWage(policy, 1403)).toBe(71_661_840);
    expect(minimumMonthlyWage(policy, 1404)).toBe(103_909_680);
    expect(minimumMonthlyWage(policy, 1406)).toBe(103_909_680);
  });

  it('shows the rate as 0.27 but keeps it rational', () => {
    expect(rate).toEqual({ numerator: 27, denominator: 100 });
    expect(rateAsNumber(rate)).toBe(0.27);
  });
});

describe('money', () => {
  it('rounds half up in exact integers', () => {
    expect(mulRatioRound(50, { numerator: 1, denominator: 100 })).toBe(1); // 0.5 → 1
    expect(mulRatioRound(49, { numerator: 1, denominator: 100 })).toBe(0);
    expect(premiumFromWage(103_909_680, rate)).toBe(28_055_614); // 28,055,613.6
    expect(wageFromPremium(28_055_614, rate)).toBe(103_909_681); // 103,909,681.48
  });

  it('never loses precision on large amounts', () => {
    expect(mulRatioRound(9_007_199_254_740_991, { numerator: 27, denominator: 100 })).toBe(2_431_943_798_780_068);
  });

  it('recomputes the same premium from the wage for every premium in range', () => {
    for (let p = 28_055_614; p < 28_055_614 + 2_000; p++) {
      expect(premiumFromWage(wageFromPremium(p, rate), rate)).toBe(p);
    }
  });
});

describe('wage bounds (1404)', () => {
  const bounds = wageBounds(policy, 1404);

  it('are 1 to 7 times the minimum monthly wage', () => {
    expect(bounds.minWage).toBe(103_909_680);
    expect(bounds.maxWage).toBe(727_367_760);
  });

  it('give the smallest and largest premium in range, ± 1 rial', () => {
    expect(bounds.minPremium).toBe(28_055_614);
    expect(bounds.maxPremium).toBe(196_389_295);
    expect(wageFromPremium(bounds.minPremium, rate)).toBeGreaterThanOrEqual(bounds.minWage);
    expect(wageFromPremium(bounds.minPremium - 1, rate)).toBeLessThan(bounds.minWage);
    expect(wageFromPremium(bounds.maxPremium, rate)).toBeLessThanOrEqual(bounds.maxWage);
    expect(wageFromPremium(bounds.maxPremium + 1, rate)).toBeGreaterThan(bounds.maxWage);
  });

  it('accept the edges and refuse one rial beyond', () => {
    expect(choosePremium(bounds.minPremium, policy, 1404)).toEqual({
      wageBasis: 103_909_681,
      monthlyPremium: 28_055_614,
    });
    expect(choosePremium(bounds.maxPremium, policy, 1404).monthlyPremium).toBe(bounds.maxPremium);
    for (const requested of [bounds.minPremium - 1, bounds.maxPremium + 1]) {
      expect(() => choosePremium(requested, policy, 1404)).toThrow(
        expect.objectContaining({
          code: 'WAGE_OUT_OF_RANGE',
          details: expect.objectContaining({ minPremium: 28_055_614, maxPremium: 196_389_295 }),
        }),
      );
    }
  });

  it('refuse a non-integer or non-positive premium as an invalid command', () => {
    for (const requested of [0, -1, 28_055_614.5, Number.NaN]) {
      expect(() => choosePremium(requested, policy, 1404)).toThrow(DomainError);
      expect(() => choosePremium(requested, policy, 1404)).toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
    }
  });
});
