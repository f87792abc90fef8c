/**
 * What the contract means for billing and medical cover on a given day — pure functions of the
 * state, so the read models and the API show what `decide` would enforce.
 */
import { awaitedExamDeadline, behavesAsClosed, examOverdueOn } from './deadlines';
import { IsoDate, PeriodKey, addPeriods, formatPeriodJalali, gregorianToJalali, iranDayStart, periodKeyOf, periodsBetween } from './jalali';
import { Policy } from './policy';
import { ContractSummary, beyondExamWindow, examSettled, firstUnpaidPeriod, periodEndIso } from './state';

export type SlipStatus = 'open' | 'paid' | 'blocked' | 'void';

export interface Slip {
  readonly period: PeriodKey;
  readonly periodJalali: string;
  readonly amount: number;
  /** The first period is due by the payment deadline; later ones by the end of their month. */
  readonly dueDate: IsoDate;
  readonly status: SlipStatus;
}

/**
 * Paid periods, then every unpaid one up to the month of `asOf` (at least the next one); on a
 * closed contract one void slip, also once its lapse or cancellation is due and not yet recorded
 * (`decide` refuses the payment from then on).
 */
export function slipsOf(state: ContractSummary, asOf: IsoDate, policy: Policy): Slip[] {
  const current = periodKeyOf(gregorianToJalali(asOf));
  const firstUnpaid = firstUnpaidPeriod(state);
  const closed = closedOn(state, asOf, policy);
  const unpaidCount = closed ? 1 : Math.max(1, periodsBetween(firstUnpaid, current) + 1);
  const paidCount = periodsBetween(state.firstPeriod, firstUnpaid);
  const count = paidCount + unpaidCount;
  return Array.from({ length: count }, (_, i) => {
    const period = addPeriods(state.firstPeriod, i);
    return {
      period,
      periodJalali: formatPeriodJalali(period),
      amount: state.monthlyPremium,
      dueDate: i === 0 ? state.paymentDeadline : periodEndIso(period),
      status: i < paidCount ? 'paid' : closed ? 'void' : unpaidStatus(state, period, asOf),
    };
  });
}

export type InpatientCover = 'covered' | 'pending_exam' | 'not_covered';

export interface Coverage {
  readonly covered: boolean;
  readonly outpatient: boolean;
  readonly inpatient: InpatientCover;
  readonly paidThrough: IsoDate | null;
  /** The last day covered as things stand: `paidThrough`, or the due date of the next premium while it can still be paid (no later than an awaited exam's deadline). */
  readonly coveredThrough: IsoDate | null;
}

/**
 * Medical cover on a day: from the first confirmed payment (at once, rule 5) while no premium is
 * overdue, so through the due date of the next unpaid one (the end of its month) as long as it
 * can be paid, and no later than the deadline of an exam still awaited; when it cannot be paid
 * (payments blocked, beyond the exam window) through the last paid day only. Cancelled and terminated contracts have none. Inpatient cover before a required exam
 * is passed follows the policy; when it is not covered it shows as pending.
 */
export function coverageOn(state: ContractSummary, day: IsoDate, policy: Policy): Coverage {
  const through = closedOn(state, day, policy) ? null : coveredThrough(state, day);
  const covered = through !== null && day <= through;
  let inpatient: InpatientCover = 'not_covered';
  if (covered) {
    const examClear = examSettled(state.exam) || policy.inpatientBeforeExam === 'covered';
    inpatient = examClear ? 'covered' : 'pending_exam';
  }
  return { covered, outpatient: covered, inpatient, paidThrough: state.paidThrough, coveredThrough: through };
}

/**
 * A premium paid on time never leaves a day uncovered: a month is due by its last day (`slipsOf`),
 * so read as "cover through the paid days" a payer who pays each month on its 15th would be
 * uncovered on its first 14, and a first payment made on time for a month already over would
 * cover nothing at all, against rule 5's "at once".
 */
function coveredThrough(state: ContractSummary, day: IsoDate): IsoDate | null {
  const paidThrough = state.paidThrough;
  if (paidThrough === null) return null;
  const next = firstUnpaidPeriod(state);
  if (unpaidStatus(state, next, day) !== 'open') return paidThrough;
  // An exam still awaited blocks payments after its deadline, so the grace cannot outlast it:
  // else the answer would move back by itself once the deadline passed.
  const examDeadline = awaitedExamDeadline(state);
  const due = periodEndIso(next);
  if (examDeadline === null || examDeadline >= due) return due;
  return examDeadline > paidThrough ? examDeadline : paidThrough;
}

/** Deadlines fall due at the start of an Iran day, so the day's start tells whether one is due on it. */
function closedOn(state: ContractSummary, day: IsoDate, policy: Policy): boolean {
  return behavesAsClosed(state, iranDayStart(day), policy);
}

function unpaidStatus(state: ContractSummary, period: PeriodKey, asOf: IsoDate): SlipStatus {
  if (state.status === 'payments_blocked' || examOverdueOn(state, asOf) || beyondExamWindow(state, period)) return 'blocked';
  return 'open';
}
