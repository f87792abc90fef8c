/**
 * Writes the sample registry (libs/registry/sample/registry.json) and its README: a few hundred
 * realistic, entirely fictitious Iranian people covering every eligibility and exam case.
 *
 * Deterministic: a seeded PRNG and a fixed reference date, so the output only changes when this
 * file does (a spec checks that the committed files equal a fresh run). Every person is checked
 * against the domain's own `assess` before anything is written: a generator bug fails loudly.
 *
 *   npm run registry:generate            (or: node dist/scripts/generate-registry.js after a build)
 * Exit status and `--help` as every CLI here (./cli.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addDays,
  addJalaliMonthsIso,
  assess,
  isValidNationalCode,
  policyAt,
  toPersianDigits,
  type ApplicantFacts,
  type BranchVisitReason,
  type ExamRequirement,
  type IneligibilityReason,
  type IsoDate,
} from '@app/contracts-domain';
import { UsageError, runCli } from './cli';

/**
 * Ages, "months since the last contribution" and boundaries are exact on this contract date.
 * Tests and demos that rely on a boundary person run with CLOCK_START on this day.
 */
export const REFERENCE_DATE: IsoDate = '2026-12-01';
const SEED = 0x1405_0910;

export const SAMPLE_DIR = join('libs', 'registry', 'sample');

// ---------------------------------------------------------------------------------------------
// Cases: what each person is meant to show, and what the rules must conclude for them.

export type CaseId =
  | 'eligible-exempt'
  | 'exam-required-short-history'
  | 'exam-required-stale'
  | 'insufficient-history'
  | 'over-50-enough-years'
  | 'over-50-too-few-years'
  | 'ten-years-lift-age-limit'
  | 'currently-insured'
  | 'not-main-insured'
  | 'self-employed-contract'
  | 'minor-15-to-18'
  | 'under-15'
  | 'under-guardianship'
  | 'several-reasons';

export const CASE_TITLES: Record<CaseId, string> = {
  'eligible-exempt': 'eligible online, exempt from the exam',
  'exam-required-short-history': 'eligible, exam required (< 365 days of contributions)',
  'exam-required-stale': 'eligible, exam required (last contribution > 9 months ago)',
  'insufficient-history': 'NOT_ELIGIBLE: INSUFFICIENT_HISTORY (< 30 days)',
  'over-50-enough-years': 'over 50 with a contribution year per year over 50: eligible',
  'over-50-too-few-years': 'NOT_ELIGIBLE: AGE_LIMIT (over 50, too few years)',
  'ten-years-lift-age-limit': '10+ contribution years lift the age limit: eligible',
  'currently-insured': 'NOT_ELIGIBLE: CURRENTLY_INSURED',
  'not-main-insured': 'NOT_ELIGIBLE: NOT_MAIN_INSURED',
  'self-employed-contract': 'NOT_ELIGIBLE: SELF_EMPLOYED_CONTRACT',
  'minor-15-to-18': 'aged 15–17: BRANCH_VISIT_REQUIRED (growth certificate)',
  'under-15': 'under 15: NOT_ELIGIBLE: AGE_LIMIT (and a minor)',
  'under-guardianship': 'under guardianship: BRANCH_VISIT_REQUIRED (guardianship letter)',
  'several-reasons': 'NOT_ELIGIBLE for several reasons at once',
};

export interface Expectation {
  reasons: IneligibilityReason[];
  exam: ExamRequirement;
  branchVisit: BranchVisitReason[];
}

/** One person to make. `lastAgoDays: null` = never contributed. */
interface Plan {
  case: CaseId;
  age: number;
  /** Exact birthdays for the age boundary; otherwise a random day well inside the year of age. */
  birthday?: 'today' | 'tomorrow';
  contributionDays: number;
  lastAgo: { days: number } | { months: number; extraDays: number } | null;
  currentlyInsured?: boolean;
  mainInsured?: boolean;
  underGuardianship?: boolean;
  selfEmployedContract?: boolean;
  /** Only for well-known people: what the README says about them. */
  note?: string;
  expect: Expectation;
}

// ---------------------------------------------------------------------------------------------
// A seeded PRNG (mulberry32): small, fast and stable across Node versions.

class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Inclusive bounds. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1][0];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

// ---------------------------------------------------------------------------------------------
// Where people live. Province codes and branch ids are illustrative; national-code prefixes are
// the issuing-office codes commonly seen for those cities.

interface Province {
  code: string;
  name: string;
  cities: readonly string[];
  nationalCodePrefixes: readonly string[];
  branches: number;
  weight: number;
}

const PROVINCES: readonly Province[] = [
  { code: '10', name: 'تهران', cities: ['تهران', 'شهریار', 'اسلامشهر', 'ری'], nationalCodePrefixes: ['001', '002', '003', '004', '005', '006', '007', '008'], branches: 4, weight: 34 },
  { code: '11', name: 'اصفهان', cities: ['اصفهان', 'کاشان', 'نجف‌آباد', 'خمینی‌شهر'], nationalCodePrefixes: ['127', '128', '129', '130'], branches: 3, weight: 12 },
  { code: '12', name: 'خراسان رضوی', cities: ['مشهد', 'نیشابور', 'سبزوار', 'تربت حیدریه'], nationalCodePrefixes: ['092', '093', '094'], branches: 3, weight: 12 },
  { code: '13', name: 'فارس', cities: ['شیراز', 'مرودشت', 'کازرون', 'جهرم'], nationalCodePrefixes: ['228', '229', '230'], branches: 2, weight: 9 },
  { code: '14', name: 'آذربایجان شرقی', cities: ['تبریز', 'مراغه', 'مرند', 'میانه'], nationalCodePrefixes: ['136', '137', '138'], branches: 2, weight: 8 },
  { code: '15', name: 'خوزستان', cities: ['اهواز', 'دزفول', 'آبادان', 'خرمشهر'], nationalCodePrefixes: ['174', '175', '176'], branches: 2, weight: 9 },
  { code: '16', name: 'گیلان', cities: ['رشت', 'بندر انزلی', 'لاهیجان', 'لنگرود'], nationalCodePrefixes: ['258', '259', '260'], branches: 2, weight: 7 },
  { code: '17', name: 'کرمان', cities: ['کرمان', 'رفسنجان', 'سیرجان', 'بم'], nationalCodePrefixes: ['297', '298', '299'], branches: 2, weight: 8 },
];

const MALE_NAMES = [
  'علی', 'محمد', 'حسین', 'رضا', 'مهدی', 'امیر', 'حسن', 'سعید', 'مجید', 'حمید', 'مصطفی', 'جواد', 'احمد', 'محسن', 'علیرضا',
  'محمدرضا', 'امیرحسین', 'سجاد', 'میلاد', 'بهروز', 'کاوه', 'آرش', 'فرهاد', 'داریوش', 'بابک', 'پویا', 'سینا', 'یاسر', 'رامین', 'مسعود',
] as const;

const FEMALE_NAMES = [
  'فاطمه', 'زهرا', 'مریم', 'معصومه', 'زینب', 'سارا', 'نرگس', 'لیلا', 'مهسا', 'الهام', 'سمیرا', 'نسرین', 'پریسا', 'شیرین', 'آزاده',
  'مینا', 'رویا', 'نازنین', 'هانیه', 'فرشته', 'طاهره', 'سمانه', 'کبری', 'مهناز', 'شهلا', 'ریحانه', 'یگانه', 'ترانه', 'نگار', 'آتنا',
] as const;

const LAST_NAMES = [
  'محمدی', 'حسینی', 'احمدی', 'رضایی', 'موسوی', 'کریمی', 'جعفری', 'صادقی', 'رحیمی', 'نوری', 'کاظمی', 'هاشمی', 'قاسمی', 'مرادی',
  'عباسی', 'اکبری', 'طاهری', 'نجفی', 'سلطانی', 'شریفی', 'میرزایی', 'زمانی', 'یزدانی', 'فراهانی', 'باقری', 'ابراهیمی', 'نظری',
  'فرهادی', 'عزیزی', 'ملکی', 'بهرامی', 'امینی', 'حسین‌زاده', 'علی‌زاده', 'قلی‌پور', 'احمدی‌نژاد', 'کرمانی', 'شیرازی', 'تبریزی', 'دهقان',
] as const;

const STREETS = [
  'ولیعصر', 'انقلاب', 'آزادی', 'امام خمینی', 'شریعتی', 'فردوسی', 'حافظ', 'سعدی', 'بهار', 'کارگر', 'طالقانی', 'مطهری', 'جمهوری',
  'باهنر', 'شهید بهشتی', 'پاسداران', 'نواب', 'کشاورز', 'مدرس', 'چمران',
] as const;

const ALLEYS = ['نسترن', 'لاله', 'یاس', 'اقاقیا', 'نرگس', 'بنفشه', 'سرو', 'صنوبر', 'شقایق', 'ارغوان', 'سپیدار', 'گلستان'] as const;

/** Operator prefixes in use (MCI 091x/0990, Irancell 093x/090x, RighTel 0921). */
const MOBILE_PREFIXES = ['0912', '0913', '0914', '0915', '0916', '0917', '0918', '0919', '0990', '0935', '0936', '0937', '0938', '0939', '0901', '0902', '0903', '0921'] as const;

// ---------------------------------------------------------------------------------------------
// Plans: the well-known people first (fixed facts, named in the README), then the crowd.

const ELIGIBLE: Expectation = { reasons: [], exam: 'exempt', branchVisit: [] };
const EXAM: Expectation = { reasons: [], exam: 'required', branchVisit: [] };
const refused = (reasons: IneligibilityReason[], exam: ExamRequirement = 'exempt', branchVisit: BranchVisitReason[] = []): Expectation => ({
  reasons,
  exam,
  branchVisit,
});
const daysAgo = (days: number) => ({ days });

const WELL_KNOWN: readonly Plan[] = [
  { case: 'eligible-exempt', age: 35, contributionDays: 3_000, lastAgo: daysAgo(30), note: 'the README walkthrough applicant', expect: ELIGIBLE },
  { case: 'eligible-exempt', age: 42, contributionDays: 5_200, lastAgo: daysAgo(60), note: 'a second eligible applicant', expect: ELIGIBLE },
  { case: 'eligible-exempt', age: 29, contributionDays: 1_400, lastAgo: daysAgo(15), note: 'a third eligible applicant', expect: ELIGIBLE },
  { case: 'exam-required-short-history', age: 27, contributionDays: 200, lastAgo: daysAgo(20), note: '200 days of history: exam required', expect: EXAM },
  { case: 'exam-required-stale', age: 45, contributionDays: 2_000, lastAgo: daysAgo(400), note: 'last contribution 400 days ago: exam required', expect: EXAM },
  { case: 'eligible-exempt', age: 31, contributionDays: 365, lastAgo: { months: 9, extraDays: 0 }, note: 'boundary: exactly 365 days, last exactly 9 months ago: exempt', expect: ELIGIBLE },
  { case: 'exam-required-short-history', age: 31, contributionDays: 364, lastAgo: daysAgo(10), note: 'boundary: 364 days: exam required', expect: EXAM },
  { case: 'exam-required-stale', age: 38, contributionDays: 2_000, lastAgo: { months: 9, extraDays: 1 }, note: 'boundary: last contribution 9 months and 1 day ago: exam required', expect: EXAM },
  { case: 'insufficient-history', age: 24, contributionDays: 29, lastAgo: daysAgo(40), note: 'boundary: exactly 29 days', expect: refused(['INSUFFICIENT_HISTORY'], 'required') },
  { case: 'exam-required-short-history', age: 24, contributionDays: 30, lastAgo: daysAgo(40), note: 'boundary: exactly 30 days: eligible, exam required', expect: EXAM },
  { case: 'insufficient-history', age: 22, contributionDays: 0, lastAgo: null, note: 'never contributed', expect: refused(['INSUFFICIENT_HISTORY'], 'required') },
  { case: 'eligible-exempt', age: 50, birthday: 'today', contributionDays: 2_500, lastAgo: daysAgo(20), note: 'boundary: turns 50 on the reference date: eligible', expect: ELIGIBLE },
  { case: 'eligible-exempt', age: 50, birthday: 'tomorrow', contributionDays: 900, lastAgo: daysAgo(20), note: 'boundary: 50, turns 51 the day after: eligible', expect: ELIGIBLE },
  { case: 'over-50-enough-years', age: 56, contributionDays: 6 * 365, lastAgo: daysAgo(45), note: 'age 56 with exactly 6 contribution years: eligible', expect: ELIGIBLE },
  { case: 'over-50-too-few-years', age: 56, contributionDays: 6 * 365 - 1, lastAgo: daysAgo(45), note: 'age 56 with 5 years 364 days: AGE_LIMIT', expect: refused(['AGE_LIMIT']) },
  { case: 'ten-years-lift-age-limit', age: 68, contributionDays: 10 * 365, lastAgo: daysAgo(90), note: 'age 68 with exactly 10 years: limit lifted', expect: ELIGIBLE },
  { case: 'over-50-too-few-years', age: 62, contributionDays: 10 * 365 - 1, lastAgo: daysAgo(90), note: 'age 62 with 9 years 364 days: AGE_LIMIT', expect: refused(['AGE_LIMIT']) },
  { case: 'currently-insured', age: 33, contributionDays: 2_400, lastAgo: daysAgo(5), currentlyInsured: true, note: 'currently insured', expect: refused(['CURRENTLY_INSURED']) },
  { case: 'not-main-insured', age: 30, contributionDays: 700, lastAgo: daysAgo(100), mainInsured: false, note: 'a dependant, not main insured', expect: refused(['NOT_MAIN_INSURED']) },
  { case: 'self-employed-contract', age: 40, contributionDays: 3_100, lastAgo: daysAgo(25), selfEmployedContract: true, note: 'has a self-employed contract', expect: refused(['SELF_EMPLOYED_CONTRACT']) },
  { case: 'minor-15-to-18', age: 16, contributionDays: 200, lastAgo: daysAgo(30), note: 'aged 16: branch only, growth certificate', expect: refused([], 'required', ['minor']) },
  { case: 'eligible-exempt', age: 18, birthday: 'today', contributionDays: 400, lastAgo: daysAgo(30), note: 'boundary: turns 18 on the reference date: online', expect: ELIGIBLE },
  { case: 'under-15', age: 14, contributionDays: 60, lastAgo: daysAgo(30), note: 'aged 14: AGE_LIMIT, and a minor', expect: refused(['AGE_LIMIT'], 'required', ['minor']) },
  { case: 'under-guardianship', age: 37, contributionDays: 1_900, lastAgo: daysAgo(50), underGuardianship: true, note: 'under guardianship: branch only', expect: refused([], 'exempt', ['guardianship']) },
  {
    case: 'several-reasons',
    age: 58,
    contributionDays: 20,
    lastAgo: daysAgo(10),
    currentlyInsured: true,
    selfEmployedContract: true,
    note: 'every reason but NOT_MAIN_INSURED at once',
    expect: refused(['INSUFFICIENT_HISTORY', 'AGE_LIMIT', 'CURRENTLY_INSURED', 'SELF_EMPLOYED_CONTRACT'], 'required'),
  },
];

/** Recent enough for an exemption (well inside 9 months) or clearly not (well past them). */
const RECENT_DAYS: [number, number] = [1, 240];
const STALE_DAYS: [number, number] = [300, 1_500];

/** History a person of this age could have had (working from 18, or from 15 for minors). */
function maxDays(age: number): number {
  return Math.max(30, (age - (age < 18 ? 15 : 18)) * 365);
}

function examOf(days: number, lastAgoDays: number | null): ExamRequirement {
  return days >= 365 && lastAgoDays !== null && lastAgoDays <= RECENT_DAYS[1] ? 'exempt' : 'required';
}

/** A random plan for a case; constraints keep each person unambiguously in it. */
function planFor(id: CaseId, rnd: Random): Plan {
  const recent = () => rnd.int(...RECENT_DAYS);
  const stale = () => rnd.int(...STALE_DAYS);
  const either = () => (rnd.next() < 0.75 ? recent() : stale());
  const make = (age: number, days: number, lastAgoDays: number | null, extra: Partial<Plan>, reasons: IneligibilityReason[], branchVisit: BranchVisitReason[] = []): Plan => ({
    case: id,
    age,
    contributionDays: days,
    lastAgo: lastAgoDays === null ? null : daysAgo(lastAgoDays),
    ...extra,
    expect: { reasons, exam: examOf(days, lastAgoDays), branchVisit },
  });

  switch (id) {
    case 'eligible-exempt': {
      const age = rnd.int(21, 50);
      return make(age, rnd.int(365, maxDays(age)), recent(), {}, []);
    }
    case 'exam-required-short-history': {
      const age = rnd.int(19, 50);
      return make(age, rnd.int(30, 364), either(), {}, []);
    }
    case 'exam-required-stale': {
      const age = rnd.int(24, 50);
      return make(age, rnd.int(365, maxDays(age)), stale(), {}, []);
    }
    case 'insufficient-history': {
      const age = rnd.int(19, 45);
      const days = rnd.int(0, 28);
      return make(age, days, days === 0 ? null : either(), {}, ['INSUFFICIENT_HISTORY']);
    }
    case 'over-50-enough-years': {
      const age = rnd.int(51, 59);
      return make(age, rnd.int((age - 50) * 365, 10 * 365 - 1), either(), {}, []);
    }
    case 'over-50-too-few-years': {
      const age = rnd.int(52, 64);
      // Fewer years than years over 50, and fewer than the 10 that would lift the limit.
      return make(age, rnd.int(30, Math.min(age - 50, 10) * 365 - 1), either(), {}, ['AGE_LIMIT']);
    }
    case 'ten-years-lift-age-limit': {
      const age = rnd.int(61, 75);
      return make(age, rnd.int(10 * 365, (age - 50) * 365 - 1), either(), {}, []);
    }
    case 'currently-insured': {
      const age = rnd.int(22, 50);
      return make(age, rnd.int(365, maxDays(age)), rnd.int(1, 40), { currentlyInsured: true }, ['CURRENTLY_INSURED']);
    }
    case 'not-main-insured': {
      const age = rnd.int(19, 50);
      return make(age, rnd.int(30, Math.min(2_000, maxDays(age))), either(), { mainInsured: false }, ['NOT_MAIN_INSURED']);
    }
    case 'self-employed-contract': {
      const age = rnd.int(25, 50);
      return make(age, rnd.int(400, maxDays(age)), recent(), { selfEmployedContract: true }, ['SELF_EMPLOYED_CONTRACT']);
    }
    case 'minor-15-to-18': {
      const age = rnd.int(15, 17);
      return make(age, rnd.int(30, maxDays(age)), recent(), {}, [], ['minor']);
    }
    case 'under-15': {
      return make(rnd.int(12, 14), rnd.int(30, 120), recent(), {}, ['AGE_LIMIT'], ['minor']);
    }
    case 'under-guardianship': {
      const age = rnd.int(19, 50);
      return make(age, rnd.int(365, maxDays(age)), either(), { underGuardianship: true }, [], ['guardianship']);
    }
    case 'several-reasons': {
      const age = rnd.int(25, 50);
      return make(age, rnd.int(400, maxDays(age)), rnd.int(1, 40), { currentlyInsured: true, selfEmployedContract: true, mainInsured: false }, [
        'CURRENTLY_INSURED',
        'NOT_MAIN_INSURED',
        'SELF_EMPLOYED_CONTRACT',
      ]);
    }
  }
}

/** How many of each case the crowd holds (300 people), besides the well-known ones. */
const CROWD: Record<CaseId, number> = {
  'eligible-exempt': 120,
  'exam-required-short-history': 30,
  'exam-required-stale': 30,
  'insufficient-history': 18,
  'over-50-enough-years': 14,
  'over-50-too-few-years': 12,
  'ten-years-lift-age-limit': 10,
  'currently-insured': 16,
  'not-main-insured': 12,
  'self-employed-contract': 12,
  'minor-15-to-18': 10,
  'under-15': 5,
  'under-guardianship': 8,
  'several-reasons': 3,
};

// ---------------------------------------------------------------------------------------------
// From plans to people.

export interface SamplePerson {
  facts: ApplicantFacts;
  case: CaseId;
  note?: string;
  expect: Expectation;
}

function birthDateFor(plan: Plan, rnd: Random): IsoDate {
  const birthdayThisYear = addJalaliMonthsIso(REFERENCE_DATE, -12 * plan.age);
  if (plan.birthday === 'today') return birthdayThisYear;
  if (plan.birthday === 'tomorrow') return addDays(addJalaliMonthsIso(REFERENCE_DATE, -12 * (plan.age + 1)), 1);
  // Strictly between two birthdays, so the age is the planned one in either calendar.
  return addDays(birthdayThisYear, -rnd.int(2, 360));
}

function lastContributionFor(plan: Plan): IsoDate | null {
  if (plan.lastAgo === null) return null;
  if ('days' in plan.lastAgo) return addDays(REFERENCE_DATE, -plan.lastAgo.days);
  return addDays(addJalaliMonthsIso(REFERENCE_DATE, -plan.lastAgo.months), -plan.lastAgo.extraDays);
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

class Identities {
  private readonly codes = new Set<string>();
  private readonly mobiles = new Set<string>();

  constructor(private readonly rnd: Random) {}

  nationalCode(prefix: string): string {
    for (;;) {
      let body = prefix;
      while (body.length < 9) body += String(this.rnd.int(0, 9));
      // Exactly one last digit is the check digit (none when all ten would be equal).
      const code = DIGITS.map((digit) => body + digit).find(isValidNationalCode);
      if (code && !this.codes.has(code)) {
        this.codes.add(code);
        return code;
      }
    }
  }

  mobile(): string {
    for (;;) {
      const mobile = this.rnd.pick(MOBILE_PREFIXES) + String(this.rnd.int(0, 9_999_999)).padStart(7, '0');
      if (!this.mobiles.has(mobile)) {
        this.mobiles.add(mobile);
        return mobile;
      }
    }
  }
}

function person(plan: Plan, rnd: Random, ids: Identities): SamplePerson {
  const province = rnd.weighted(PROVINCES.map((p) => [p, p.weight] as const));
  const gender = rnd.next() < 0.5 ? 'male' : 'female';
  const city = rnd.pick(province.cities);
  const address =
    `استان ${province.name}، ${city}، خیابان ${rnd.pick(STREETS)}، کوچه ${rnd.pick(ALLEYS)}، ` +
    `پلاک ${toPersianDigits(rnd.int(1, 180))}` +
    (rnd.next() < 0.5 ? `، واحد ${toPersianDigits(rnd.int(1, 24))}` : '');
  const facts: ApplicantFacts = {
    nationalCode: ids.nationalCode(rnd.pick(province.nationalCodePrefixes)),
    firstName: rnd.pick(gender === 'male' ? MALE_NAMES : FEMALE_NAMES),
    lastName: rnd.pick(LAST_NAMES),
    birthDate: birthDateFor(plan, rnd),
    gender,
    mobile: ids.mobile(),
    address,
    branchId: `${province.code}${String(rnd.int(1, province.branches)).padStart(2, '0')}`,
    provinceCode: province.code,
    contributionDays: plan.contributionDays,
    lastContributionDate: lastContributionFor(plan),
    currentlyInsured: plan.currentlyInsured ?? false,
    mainInsured: plan.mainInsured ?? true,
    underGuardianship: plan.underGuardianship ?? false,
    selfEmployedContract: plan.selfEmployedContract ?? false,
  };
  return { facts, case: plan.case, ...(plan.note ? { note: plan.note } : {}), expect: plan.expect };
}

/** What the rules conclude for a person on the reference date, in the shape of an Expectation. */
export function concludedOn(facts: ApplicantFacts, date: IsoDate = REFERENCE_DATE): Expectation {
  const assessment = assess(facts, date, policyAt(date));
  return { reasons: [...assessment.reasons], exam: assessment.examRequirement, branchVisit: [...assessment.branchVisitReasons] };
}

export function generateSample(): SamplePerson[] {
  const rnd = new Random(SEED);
  const ids = new Identities(rnd);
  const crowdPlans = (Object.keys(CROWD) as CaseId[]).flatMap((id) => Array.from({ length: CROWD[id] }, () => planFor(id, rnd)));
  const people = [...WELL_KNOWN.map((plan) => person(plan, rnd, ids)), ...rnd.shuffle(crowdPlans).map((plan) => person(plan, rnd, ids))];
  for (const p of people) {
    const actual = concludedOn(p.facts);
    if (JSON.stringify(actual) !== JSON.stringify(p.expect)) {
      throw new Error(`generator bug: a ${p.case} person concludes ${JSON.stringify(actual)}, planned ${JSON.stringify(p.expect)}`);
    }
  }
  return people;
}

// ---------------------------------------------------------------------------------------------
// Files.

export function renderRegistry(people: readonly SamplePerson[]): string {
  return `${JSON.stringify(people.map((p) => p.facts), null, 2)}\n`;
}

export function renderReadme(people: readonly SamplePerson[]): string {
  const wellKnown = people.filter((p) => p.note);
  const counts = new Map<CaseId, number>();
  for (const p of people) counts.set(p.case, (counts.get(p.case) ?? 0) + 1);
  const provinces = new Set(people.map((p) => p.facts.provinceCode));
  const branches = new Set(people.map((p) => p.facts.branchId));
  const describe = (e: Expectation) =>
    [
      e.reasons.length > 0 ? `NOT_ELIGIBLE (${e.reasons.join(', ')})` : 'eligible',
      `exam ${e.exam}`,
      ...(e.branchVisit.length > 0 ? [`branch visit: ${e.branchVisit.join(', ')}`] : []),
    ].join('; ');
  return [
    '# Sample registry',
    '',
    `\`registry.json\` holds ${people.length} fictitious people in ${provinces.size} provinces and ${branches.size} branches`,
    '(`branchId` = province code + two digits). It is the default `REGISTRY_FILE`. Any resemblance to real',
    'people is accidental: names, national codes (valid check digits) and mobiles are drawn at random.',
    '',
    '**Do not edit by hand.** It is written by `scripts/generate-registry.ts` (`npm run registry:generate`),',
    'with a seeded PRNG; `scripts/generate-registry.spec.ts` fails when these files differ from a fresh run',
    "and checks every case below against the domain's own eligibility rules.",
    '',
    `**Reference date: ${REFERENCE_DATE}.** Birth dates and last-contribution dates are computed back from it,`,
    'so ages and "months since the last contribution" are exact on that contract date. The boundary people',
    `(exactly 50, exactly 365 days and 9 months, …) are boundaries only on ${REFERENCE_DATE}: run tests and demos`,
    `that rely on them with \`CLOCK_MODE=manual CLOCK_START=${REFERENCE_DATE}T08:00:00Z\`.`,
    '',
    '## Well-known people',
    '',
    '| national code | name | case | on the reference date |',
    '|---|---|---|---|',
    ...wellKnown.map((p) => `| \`${p.facts.nationalCode}\` | ${p.facts.firstName} ${p.facts.lastName} | ${p.note} | ${describe(p.expect)} |`),
    '',
    '## Cases',
    '',
    '| case | people |',
    '|---|---|',
    ...(Object.keys(CASE_TITLES) as CaseId[]).map((id) => `| ${CASE_TITLES[id]} | ${counts.get(id) ?? 0} |`),
    '',
  ].join('\n');
}

export const USAGE = `usage: registry:generate   (no options: rewrites ${SAMPLE_DIR}/registry.json and README.md)`;

/** Writes the sample, or refuses any argument before writing (`--help` is runCli's: nothing written). */
export async function main(argv: string[]): Promise<number> {
  if (argv.length > 0) throw new UsageError(`registry:generate: unexpected ${argv.map((arg) => `"${arg}"`).join(' ')}`);
  const people = generateSample();
  writeFileSync(join(SAMPLE_DIR, 'registry.json'), renderRegistry(people));
  writeFileSync(join(SAMPLE_DIR, 'README.md'), renderReadme(people));
  process.stdout.write(`wrote ${people.length} people to ${SAMPLE_DIR}\n`);
  return 0;
}

if (require.main === module) {
  void runCli(USAGE, main, process.argv.slice(2)).then((code) => process.exit(code));
}
