/**
 * Integer rial arithmetic with exact rationals: value × numerator / denominator, rounded half up,
 * computed in BigInt so no intermediate product loses precision.
 */
import { DomainError } from './errors';
import { Policy, Rational, minimumMonthlyWage } from './policy';

export function mulRatioRound(value: number, ratio: Rational): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative integer: ${value}`);
  const num = BigInt(value) * BigInt(ratio.numerator);
  const den = BigInt(ratio.denominator);
  return Number((2n * num + den) / (2n * den));
}

export function premiumFromWage(wageBasis: number, rate: Rational): number {
  return mulRatioRound(wageBasis, rate);
}

export function wageFromPremium(premium: number, rate: Rational): number {
  return mulRatioRound(premium, { numerator: rate.denominator, denominator: rate.numerator });
}

export interface WageBounds {
  readonly minWage: number;
  readonly maxWage: number;
  /** Smallest premium whose derived wage is at least minWage. */
  readonly minPremium: number;
  /** Largest premium whose derived wage is at most maxWage. */
  readonly maxPremium: number;
}

export function wageBounds(policy: Policy, jalaliYear: number): WageBounds {
  const minWage = minimumMonthlyWage(policy, jalaliYear);
  const maxWage = minWage * policy.maxWageMultiple;
  const rate = policy.premiumRate;
  // wageFromPremium is non-decreasing, so step from just below the estimate to the first fit.
  let minPremium = Math.max(1, premiumFromWage(minWage, rate) - 2);
  while (wageFromPremium(minPremium, rate) < minWage) minPremium++;
  let maxPremium = premiumFromWage(maxWage, rate) + 2;
  while (wageFromPremium(maxPremium, rate) > maxWage) maxPremium--;
  return { minWage, maxWage, minPremium, maxPremium };
}

export interface PremiumChoice {
  readonly wageBasis: number;
  readonly monthlyPremium: number;
}

/**
 * Turns a requested premium into the wage basis and the premium recomputed from it, or refuses
 * with WAGE_OUT_OF_RANGE carrying the allowed premium range.
 */
export function choosePremium(requested: number, policy: Policy, jalaliYear: number): PremiumChoice {
  if (!Number.isSafeInteger(requested) || requested <= 0) {
    throw new DomainError('INVALID_COMMAND', 'the requested monthly premium must be a positive integer rial amount', {
      field: 'requestedMonthlyPremium',
      messageFa: 'حق بیمه ماهانه درخواستی باید عدد صحیح مثبتی به ریال باشد',
    });
  }
  const bounds = wageBounds(policy, jalaliYear);
  const wageBasis = wageFromPremium(requested, policy.premiumRate);
  if (wageBasis < bounds.minWage || wageBasis > bounds.maxWage) {
    throw new DomainError('WAGE_OUT_OF_RANGE', 'the requested premium gives a wage basis outside the allowed range', {
      minPremium: bounds.minPremium,
      maxPremium: bounds.maxPremium,
      requestedMonthlyPremium: requested,
    });
  }
  return { wageBasis, monthlyPremium: premiumFromWage(wageBasis, policy.premiumRate) };
}
