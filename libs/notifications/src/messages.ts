/**
 * Which messages an event calls for — a pure function of the event, so the outbox projection
 * gives the same messages on any replay — and whether a reminder still applies when it is due.
 */
import { addDays, assertNever, cancellationDueAt, iranDate, iranDayStart, isClosed, isPastDue, lapseDueAt, policyFor, type ContractEvent, type ContractSummary, type IsoDate } from '@app/contracts-domain';
import { texts, type Template } from './templates';

export interface ReminderSettings {
  /** Days before the last day of the 20-day first-payment deadline. */
  paymentReminderDays: number;
  /** Days before the last day of the exam deadline. */
  examReminderDays: number;
}

export const DEFAULT_REMINDERS: ReminderSettings = { paymentReminderDays: 5, examReminderDays: 14 };

/**
 * How late a message may enter the outbox and still be sent: two days. "Your contract was
 * concluded" a week after the fact misleads more than it informs.
 */
export const DEFAULT_MAX_AGE_MS = 48 * 3_600_000;

export interface MessageDraft {
  template: Template;
  /** The text, rendered only when asked: a replay into a kept outbox needs the ids, not the texts. */
  render(): string;
  /** Not sent before this instant: the event's time, or a reminder's send time. */
  notBefore: Date;
}

/** Reminders, and what a deadline passing says, go out in the morning (09:00 Iran time), never at midnight. */
const REMINDER_HOUR_MS = 9 * 3_600_000;

/**
 * Templates sent later, only if their reason still holds then: the reminders, and the exam overdue
 * notice, held until 09:00, which a branch's determination made earlier that morning overtakes.
 */
export const REMINDER_TEMPLATES: readonly Template[] = ['payment_reminder', 'exam_reminder', 'exam_overdue'];

/**
 * The messages for one contract event. `contractNumber` is the contract's (from its
 * ContractOpened); `occurredAt` is the event's time. A reminder whose day is not after the event
 * is left out: the event's own message already says the deadline.
 */
export function messagesFor(event: ContractEvent, contractNumber: string, occurredAt: Date, reminders: ReminderSettings): MessageDraft[] {
  const now = (template: Template, render: () => string): MessageDraft => ({ template, render, notBefore: occurredAt });
  // Deadlines pass at the start of an Iran day, when the runner records them: told that morning.
  const thatMorning = (template: Template, render: () => string): MessageDraft => ({ template, render, notBefore: morningOf(occurredAt) });
  switch (event.type) {
    case 'ContractOpened': {
      const { contractDate, monthlyPremium, paymentDeadline, examRequirement, examDeadline } = event.data;
      const drafts = [now('contract_concluded', () => texts.contractConcluded({ contractNumber, contractDate, monthlyPremium, paymentDeadline }))];
      const paymentReminder = reminderAt(paymentDeadline, reminders.paymentReminderDays);
      if (paymentReminder > occurredAt) {
        drafts.push({ template: 'payment_reminder', render: () => texts.paymentReminder({ contractNumber, paymentDeadline }), notBefore: paymentReminder });
      }
      if (examRequirement === 'required' && examDeadline !== null) {
        drafts.push(now('exam_required', () => texts.examRequired({ contractNumber, examDeadline })));
        const examReminder = reminderAt(examDeadline, reminders.examReminderDays);
        if (examReminder > occurredAt) {
          drafts.push({ template: 'exam_reminder', render: () => texts.examReminder({ contractNumber, examDeadline }), notBefore: examReminder });
        }
      }
      return drafts;
    }
    case 'WageChanged':
      return [now('wage_changed', () => texts.wageChanged({ contractNumber, ...event.data }))];
    case 'PaymentConfirmed':
      return [now('payment_confirmed', () => texts.paymentConfirmed({ contractNumber, ...event.data }))];
    case 'ContractLapsed':
      return [thatMorning('contract_lapsed', () => texts.contractLapsed({ contractNumber, ...event.data }))];
    case 'ExamOverdue':
      return [thatMorning('exam_overdue', () => texts.examOverdue({ contractNumber }))];
    case 'ExamDeterminationMade':
      // A rejection is told by ContractTerminated, which follows it.
      return event.data.outcome === 'cleared' ? [now('exam_cleared', () => texts.examCleared({ contractNumber }))] : [];
    case 'ContractCancelled':
      return [thatMorning('contract_cancelled', () => texts.contractCancelled({ contractNumber, ...event.data }))];
    case 'ContractTerminated':
      return [now('contract_terminated', () => texts.contractTerminated({ contractNumber }))];
    case 'ExamReferralIssued':
    case 'ExamResultRecorded':
      return []; // the applicant did these themselves, online or at the examining centre
    default:
      return assertNever(event);
  }
}

/** 09:00 Iran time on that day. */
function nineOn(day: IsoDate): Date {
  return new Date(iranDayStart(day).getTime() + REMINDER_HOUR_MS);
}

/** `instant`, or 09:00 Iran time of its day if it is earlier. */
function morningOf(instant: Date): Date {
  return new Date(Math.max(instant.getTime(), nineOn(iranDate(instant)).getTime()));
}

/** 09:00 Iran time, `days` before the deadline's last day. */
export function reminderAt(deadline: IsoDate, days: number): Date {
  return nineOn(addDays(deadline, -days));
}

/**
 * Why a reminder or the exam overdue notice no longer applies at `now` (paid, exam passed or
 * decided, contract closed, deadline gone), or null while it does. Checked against the contract's
 * current events just before sending.
 */
export function reminderObsolete(template: Template, state: ContractSummary | undefined, now: Date): string | null {
  if (state === undefined) return 'contract not found';
  if (isClosed(state)) return `contract ${state.status}`;
  // Due but not recorded yet (the deadline runner behind or failing): decide already treats the
  // contract as closed, so its reminders go too, whatever the runner's pace.
  if (isPastDue(lapseDueAt(state), now)) return 'contract lapsed';
  if (isPastDue(cancellationDueAt(state, policyFor(state, now)), now)) return 'contract cancelled';
  switch (template) {
    case 'payment_reminder':
      return state.status === 'awaiting_payment' ? null : 'first payment made';
    case 'exam_reminder':
      if (state.exam.status !== 'pending' && state.exam.status !== 'referred') return `exam ${state.exam.status}`;
      return state.exam.deadline === null || now >= iranDayStart(addDays(state.exam.deadline, 1)) ? 'exam deadline passed' : null;
    case 'exam_overdue':
      return state.exam.status === 'overdue' ? null : `exam ${state.exam.status}`;
    default:
      return null;
  }
}
