import { addDays, isValidNationalCode, type ApplicantFacts, type IsoDate } from '@app/contracts-domain';

/** A national code for the n-th bench person: nine digits from n, then their check digit. */
export function benchNationalCode(n: number): string {
  const body = String(100_000_000 + n);
  const r = [...body].reduce((sum, digit, i) => sum + Number(digit) * (10 - i), 0) % 11;
  const code = `${body}${r < 2 ? r : 11 - r}`;
  // Only a body of nine equal digits has no valid code; n would have to be in the millions.
  if (!isValidNationalCode(code)) throw new RangeError(`no valid national code for bench person ${n}`);
  return code;
}

/**
 * `count` fictitious people, each eligible online and exempt from the exam on `contractDate`
 * (about 30 years old, 2,000 contribution days, the last a week before): load needs many people
 * because each may hold only one active contract.
 */
export function benchPeople(count: number, contractDate: IsoDate): ApplicantFacts[] {
  return Array.from({ length: count }, (_, n) => ({
    nationalCode: benchNationalCode(n),
    firstName: 'آزمون',
    lastName: `شماره ${n}`,
    birthDate: addDays(contractDate, -11_000),
    gender: n % 2 === 0 ? 'female' : 'male',
    mobile: `0912${String(n % 10_000_000).padStart(7, '0')}`,
    address: 'استان تهران، تهران، خیابان آزادی، پلاک ۱',
    branchId: '1001',
    provinceCode: '10',
    contributionDays: 2_000,
    lastContributionDate: addDays(contractDate, -7),
    currentlyInsured: false,
    mainInsured: true,
    underGuardianship: false,
    selfEmployedContract: false,
  }));
}
