/**
 * The demo's script of events, decided before a single request is sent: who applies on which day,
 * who pays (on time, late or never), who changes their wage, who is examined, what branches decide.
 * Pure and deterministic: the same seed, registry and first day give the same plan.
 *
 * Each decision is a draw keyed by (seed, person, decision), not the next number of one shared
 * stream, so a person's story does not shift when `--people` changes who else takes part.
 */
import { createHash } from 'node:crypto';
import {
  addDays,
  addJalaliMonthsIso,
  assess,
  gregorianToJalali,
  iranDayStart,
  policyAt,
  wageBounds,
  type ApplicantFacts,
  type DocumentKind,
  type ExamRequirement,
  type IneligibilityReason,
  type IsoDate,
} from '@app/contracts-domain';

export type Action =
  /** Read the terms, quote (some ask an out-of-range premium first), conclude online. */
  | { kind: 'apply'; person: string; premium: number; overAskFirst: boolean; retryOpen: boolean }
  /** Quote with the applicant, then an officer of their branch concludes after checking documents. */
  | { kind: 'branchOpen'; person: string; branchId: string; documents: DocumentKind[]; premium: number }
  | { kind: 'changeWage'; person: string; premium: number }
  | { kind: 'pay'; person: string; bankId: string; periods: number }
  | { kind: 'referral'; person: string }
  | { kind: 'examResult'; person: string; result: 'passed' | 'failed' }
  | { kind: 'determination'; person: string; outcome: 'cleared' | 'rejected' };

/** Everything that happens at one instant of the manual clock. */
export interface Scene {
  /** Days after the first day. */
  day: number;
  at: string;
  actions: Action[];
}

export type Path = 'online' | 'branch' | 'refused';

export interface PlannedPerson {
  nationalCode: string;
  path: Path;
  exam: ExamRequirement;
  reasons: IneligibilityReason[];
}

export interface DemoPlan {
  seed: number;
  firstDay: IsoDate;
  lastDay: number;
  people: PlannedPerson[];
  scenes: Scene[];
}

const BANKS = ['mellat', 'melli', 'saderat', 'tejarat', 'sepah'] as const;
/** Opening hours in Tehran at which applicants act; everything else has its own hour. */
const APPLY_HOURS = [10, 12, 14, 16] as const;
const HOUR = { branchOpen: 11, changeWage: 17, pay: 11, referral: 13, examResult: 15, determination: 16 } as const;
/** The clock ends here on the last day, so the dashboard's "today" is the last simulated day. */
const CLOSING_HOUR = 18;
/** Most applicants come in the first working week; the rest in the last weeks, so "today" is busy. */
const FIRST_WEEK_SHARE = 0.8;
const FIRST_WEEK_DAYS = [[0, 40], [1, 20], [2, 15], [3, 15], [4, 10]] as const;
const RECENT_DAYS = 20;
const MAX_BRANCH_DELAY = 3;
/** First-week contracts are concluded by this day at the latest (first-week day + branch visit). */
const LAST_FIRST_WEEK_CONTRACT_DAY = 4 + MAX_BRANCH_DELAY;

/** A uniform number in [0, 1) fixed by the seed and the keys. */
export function draw(seed: number, ...keys: Array<string | number>): number {
  const digest = createHash('sha256').update([seed, ...keys].join('|')).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** Inclusive bounds. */
function between(min: number, max: number, seed: number, ...keys: Array<string | number>): number {
  return min + Math.floor(draw(seed, ...keys) * (max - min + 1));
}

function weighted<T>(items: ReadonlyArray<readonly [T, number]>, seed: number, ...keys: Array<string | number>): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = draw(seed, ...keys) * total;
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return items[items.length - 1][0];
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

/** `count` people of the registry in a seed-fixed order. */
export function pickPeople(registry: readonly ApplicantFacts[], count: number, seed: number): ApplicantFacts[] {
  return [...registry]
    .map((facts) => ({ facts, order: draw(seed, 'pick', facts.nationalCode) }))
    .sort((a, b) => a.order - b.order)
    .slice(0, Math.max(0, count))
    .map(({ facts }) => facts);
}

/**
 * The last simulated day: a few days after the exam deadline of the latest first-week contract,
 * so every unexamined first-week applicant is overdue and branches have started deciding.
 */
export function lastDayOf(firstDay: IsoDate): number {
  return daysBetween(firstDay, addJalaliMonthsIso(addDays(firstDay, LAST_FIRST_WEEK_CONTRACT_DAY), 2)) + 4;
}

/** What applicants type: a round amount in the allowed range, most near the minimum. */
function premiumFor(date: IsoDate, seed: number, key: string): number {
  const { minPremium, maxPremium } = wageBounds(policyAt(date), gregorianToJalali(date).year);
  const ceiling = weighted([[1.3, 55], [3, 30], [maxPremium / minPremium, 15]] as const, seed, key, 'band');
  const wanted = minPremium + draw(seed, key, 'amount') * (minPremium * ceiling - minPremium);
  return Math.min(maxPremium, Math.ceil(wanted / 100_000) * 100_000);
}

export function buildPlan(registry: readonly ApplicantFacts[], options: { seed: number; people: number; firstDay: IsoDate }): DemoPlan {
  const { seed, firstDay } = options;
  const lastDay = lastDayOf(firstDay);
  const timed: Array<{ day: number; hour: number; action: Action }> = [];
  const at = (day: number, hour: number, action: Action) => {
    if (day <= lastDay) timed.push({ day, hour, action });
  };

  const people = pickPeople(registry, options.people, seed).map((facts): PlannedPerson => {
    const code = facts.nationalCode;
    const r = (...keys: Array<string | number>) => draw(seed, code, ...keys);
    const recent = r('cohort') >= FIRST_WEEK_SHARE;
    const applyDay = recent ? between(lastDay - RECENT_DAYS + 1, lastDay, seed, code, 'day') : weighted(FIRST_WEEK_DAYS, seed, code, 'day');
    const applyDate = addDays(firstDay, applyDay);
    const assessment = assess(facts, applyDate, policyAt(applyDate));
    const path: Path = assessment.reasons.length > 0 ? 'refused' : assessment.branchVisitReasons.length > 0 ? 'branch' : 'online';
    const premium = premiumFor(applyDate, seed, code);

    at(applyDay, APPLY_HOURS[between(0, APPLY_HOURS.length - 1, seed, code, 'hour')], {
      kind: 'apply',
      person: code,
      premium,
      overAskFirst: r('overAsk') < 0.03,
      retryOpen: r('retry') < 0.05,
    });
    const planned = { nationalCode: code, path, exam: assessment.examRequirement, reasons: [...assessment.reasons] };
    if (path === 'refused') return planned;

    let contractDay = applyDay;
    if (path === 'branch') {
      contractDay = applyDay + between(1, MAX_BRANCH_DELAY, seed, code, 'visit');
      const documents: DocumentKind[] = [...assessment.requiredDocuments, 'identity'];
      at(contractDay, HOUR.branchOpen, { kind: 'branchOpen', person: code, branchId: facts.branchId, documents, premium });
    }
    planAfterConclusion(contractDay, addDays(firstDay, contractDay), assessment.examRequirement, code);
    return planned;
  });

  /** Payment, wage change and exam steps of one contract concluded on `day`. */
  function planAfterConclusion(day: number, date: IsoDate, exam: ExamRequirement, code: string): void {
    const r = (...keys: Array<string | number>) => draw(seed, code, ...keys);
    const payment = weighted([['onTime', 72], ['late', 8], ['never', 20]] as const, seed, code, 'payment');
    const payDay = payment === 'onTime' ? day + between(1, 18, seed, code, 'payDay') : day + between(21, 27, seed, code, 'payDay');
    const periods = exam === 'required' ? 1 : weighted([[1, 60], [2, 25], [3, 15]] as const, seed, code, 'periods');
    const bankId = BANKS[between(0, BANKS.length - 1, seed, code, 'bank')];

    // Wage changes are allowed until the first payment: plan them strictly before it.
    const lastWageDay = payment === 'onTime' ? payDay - 1 : day + 5;
    if (r('wage') < 0.15 && lastWageDay > day) {
      at(between(day + 1, lastWageDay, seed, code, 'wageDay'), HOUR.changeWage, { kind: 'changeWage', person: code, premium: premiumFor(date, seed, `${code}|wage`) });
    }
    if (payment !== 'never') at(payDay, HOUR.pay, { kind: 'pay', person: code, bankId, periods });
    if (payment !== 'onTime') return;
    if (r('wageAfterPayment') < 0.04) {
      at(payDay + 1, HOUR.changeWage, { kind: 'changeWage', person: code, premium: premiumFor(date, seed, `${code}|late-wage`) });
    }
    if (exam === 'exempt') return;

    const overdueDay = daysBetween(firstDay, addJalaliMonthsIso(date, 2)) + 1;
    const decide = (onDay: number, clearedShare: number) =>
      at(onDay, HOUR.determination, { kind: 'determination', person: code, outcome: r('outcome') < clearedShare ? 'cleared' : 'rejected' });
    if (r('referral') >= 0.85) {
      if (r('decideOverdue') < 0.6) decide(overdueDay + between(0, 3, seed, code, 'decideDay'), 0.75);
      return;
    }
    const referralDay = payDay + between(1, 10, seed, code, 'referralDay');
    at(referralDay, HOUR.referral, { kind: 'referral', person: code });
    if (r('examined') >= 0.65) {
      if (r('decideOverdue') < 0.6) decide(overdueDay + between(0, 3, seed, code, 'decideDay'), 0.75);
      return;
    }
    const resultDay = referralDay + between(3, 20, seed, code, 'resultDay');
    const result = r('result') < 0.85 ? 'passed' : 'failed';
    at(resultDay, HOUR.examResult, { kind: 'examResult', person: code, result });
    if (result === 'failed') decide(resultDay + between(2, 6, seed, code, 'decideDay'), 0.6);
  }

  const instant = (day: number, hour: number) => new Date(iranDayStart(addDays(firstDay, day)).getTime() + hour * 3_600_000).toISOString();
  const scenes = new Map<string, Scene>();
  for (const { day, hour, action } of timed.sort((a, b) => a.day - b.day || a.hour - b.hour)) {
    const scene = scenes.get(instant(day, hour)) ?? { day, at: instant(day, hour), actions: [] };
    scene.actions.push(action);
    scenes.set(scene.at, scene);
  }
  scenes.set(instant(lastDay, CLOSING_HOUR), { day: lastDay, at: instant(lastDay, CLOSING_HOUR), actions: [] });
  return { seed, firstDay, lastDay, people, scenes: [...scenes.values()] };
}
