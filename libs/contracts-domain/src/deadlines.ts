/**
 * When each deadline command becomes due. Deadlines are Iran civil days: a deadline date is the
 * last day on which the awaited thing may still happen, so the command is due at 00:00 Iran time
 * of the following day. The deadline runner schedules `pendingDeadlines` after every event and
 * `decide` checks the same instants, so the two can never disagree.
 */
import { DeadlineCommand } from './commands';
import { IsoDate, addDays, addJalaliMonthsIso, addPeriods, iranDayStart, jalaliToGregorian, periodStart } from './jalali';
import { ContractEvent } from './events';
import { Policy, policyAt } from './policy';
import { ContractState, ContractSummary, evolve, isClosed } from './state';

export interface PendingDeadline {
  readonly command: DeadlineCommand['type'];
  /** ISO instant from which the command is accepted. */
  readonly dueAt: string;
}

/** First payment: due the day after paymentDeadline while nothing is paid. */
export function lapseDueAt(state: ContractSummary): Date | null {
  return state.status === 'awaiting_payment' ? dayAfter(state.paymentDeadline) : null;
}

/** Exam: due the day after the exam deadline while the exam is required and not passed or cleared. */
export function examOverdueDueAt(state: ContractSummary): Date | null {
  const deadline = awaitedExamDeadline(state);
  return deadline === null ? null : dayAfter(deadline);
}

/**
 * Whether the exam deadline has passed by this Iran day with the exam still awaited: payments are
 * blocked from then on, whether or not ExamOverdue has been recorded yet.
 */
export function examOverdueOn(state: ContractSummary, day: IsoDate): boolean {
  const deadline = awaitedExamDeadline(state);
  return deadline !== null && day > deadline;
}

/** The exam deadline while the exam is still awaited (pending, referred or failed without a determination). */
export function awaitedExamDeadline(state: ContractSummary): IsoDate | null {
  const waiting = ['pending', 'referred', 'failed'].includes(state.exam.status);
  return isClosed(state) || !waiting ? null : state.exam.deadline;
}

/**
 * Non-payment: the nonPaymentCancelMonths periods after the last paid one may go unpaid; the
 * contract is cancellable from the first day of the next period. A branch clearance restarts
 * the clock (payments were blocked, so the months before it are not the payer's fault).
 * Not while payments are blocked, nor once the exam deadline passed first: payments are blocked
 * from then on whether or not ExamOverdue is recorded yet, so the outcome does not depend on
 * which of the two the deadline runner happens to fire first.
 */
export function cancellationDueAt(state: ContractSummary, policy: Policy): Date | null {
  if (state.status !== 'active' || state.lastPaidPeriod === null) return null;
  const months = policy.nonPaymentCancelMonths;
  const afterPaid = jalaliToGregorian(periodStart(addPeriods(state.lastPaidPeriod, months + 1)));
  const afterClearance = state.exam.clearedOn === null ? null : addDays(addJalaliMonthsIso(state.exam.clearedOn, months), 1);
  const due = iranDayStart(afterClearance !== null && afterClearance > afterPaid ? afterClearance : afterPaid);
  const blockedFrom = examOverdueDueAt(state);
  return blockedFrom !== null && blockedFrom <= due ? null : due;
}

/**
 * Closed, or its lapse or cancellation is due: from that instant the contract behaves as closed,
 * whether or not the deadline runner has recorded it yet (commands refuse it, and the person's
 * one active-contract slot is free again).
 */
export function behavesAsClosed(state: ContractSummary, now: Date, policy: Policy): boolean {
  return isClosed(state) || isPastDue(lapseDueAt(state), now) || isPastDue(cancellationDueAt(state, policy), now);
}

export function isPastDue(due: Date | null, now: Date): boolean {
  return due !== null && now >= due;
}

export function pendingDeadlines(state: ContractSummary, policy: Policy): PendingDeadline[] {
  const candidates: [DeadlineCommand['type'], Date | null][] = [
    ['MarkLapsed', lapseDueAt(state)],
    ['MarkExamOverdue', examOverdueDueAt(state)],
    ['CancelForNonPayment', cancellationDueAt(state, policy)],
  ];
  return candidates.flatMap(([command, due]) => (due === null ? [] : [{ command, dueAt: due.toISOString() }]));
}

/**
 * The event that made a deadline pending, for its events' causation: the first of the events
 * after each of which `pendingDeadlines` has named this command due at this instant (an index
 * into `history`), or -1 if it is not pending after the last. A function of the history alone,
 * so every runner and every retry names the same event: the open for a lapse or an exam
 * deadline, the last payment (or a later clearance) for a non-payment cancellation.
 */
export function deadlineCause(history: readonly ContractEvent[], deadline: PendingDeadline): number {
  let state: ContractState | undefined;
  let cause = -1;
  history.forEach((event, index) => {
    state = evolve(state, event);
    const pending = state !== undefined && pendingDeadlines(state, policyAt(state.contractDate)).some((d) => d.command === deadline.command && d.dueAt === deadline.dueAt);
    cause = !pending ? -1 : cause === -1 ? index : cause;
  });
  return cause;
}

function dayAfter(date: IsoDate): Date {
  return iranDayStart(addDays(date, 1));
}
