/** The contract as its history makes it: `evolve` folds events, nothing else changes state. */
import { ExamRequirement } from './eligibility';
import { ContractEvent, ContractOpened, ExamOutcome, ExamResult } from './events';
import {
  IsoDate,
  PeriodKey,
  addPeriods,
  gregorianToJalali,
  jalaliToGregorian,
  periodEnd,
  periodKeyOf,
  periodStart,
} from './jalali';

export type ContractStatus = 'awaiting_payment' | 'active' | 'payments_blocked' | 'lapsed' | 'cancelled' | 'terminated';

export type ExamStatus = 'not_required' | 'pending' | 'referred' | 'passed' | 'failed' | 'overdue' | 'cleared';

export interface ExamState {
  readonly requirement: ExamRequirement;
  readonly status: ExamStatus;
  readonly deadline: IsoDate | null;
  readonly referralNumber: string | null;
  readonly result: ExamResult | null;
  readonly determination: ExamOutcome | null;
  /** Day of a `cleared` determination: the non-payment clock restarts from it. */
  readonly clearedOn: IsoDate | null;
}

export interface PaymentRecord {
  readonly paymentId: string;
  readonly bankReference: string;
  readonly periods: readonly PeriodKey[];
  readonly amount: number;
  readonly paidAt: string;
}

/**
 * Whether a confirmation under a recorded payment's id is that same payment again (a bank's
 * retry: nothing to do) rather than another one reusing its reference (BANK_REFERENCE_REUSED).
 */
export function repeatsPayment(recorded: PaymentRecord, confirmation: { periods: number; amount: number }): boolean {
  return recorded.periods.length === confirmation.periods && recorded.amount === confirmation.amount;
}

type OpenedData = ContractOpened['data'];

export interface ContractState
  extends Omit<OpenedData, 'contractId' | 'examRequirement' | 'examDeadline'> {
  readonly id: string;
  readonly status: ContractStatus;
  /** The first period, the Jalali month of the start date. */
  readonly firstPeriod: PeriodKey;
  /** Paid periods are always the consecutive run firstPeriod … lastPaidPeriod. */
  readonly lastPaidPeriod: PeriodKey | null;
  readonly paidThrough: IsoDate | null;
  readonly payments: readonly PaymentRecord[];
  readonly exam: ExamState;
}

/**
 * The contract without its payment records: everything the read side asks of it. Only deciding a
 * payment reads the records (a bank's retry, or another payment reusing its reference); the paid
 * run is `lastPaidPeriod` and `paidThrough`. The read models keep this, so a stored state does not
 * grow with every month paid. Functions that take it cannot reach the records by mistake.
 */
export type ContractSummary = Omit<ContractState, 'payments'>;

export function summaryOf({ payments: _records, ...summary }: ContractState): ContractSummary {
  return summary;
}

/**
 * Folds events on from a summary. `evolve` only appends to the payment records and reads nothing
 * from them, so folding from an empty list of records gives the summary of the whole history.
 */
export function foldSummary(summary: ContractSummary | undefined, events: readonly ContractEvent[]): ContractSummary | undefined {
  const state = events.reduce<ContractState | undefined>(evolve, summary && { ...summary, payments: [] });
  return state && summaryOf(state);
}

/** No stream yet: the state before ContractOpened. */
export const initialState: ContractState | undefined = undefined;

export function evolve(state: ContractState | undefined, event: ContractEvent): ContractState | undefined {
  if (event.type === 'ContractOpened') return opened(event.data);
  if (state === undefined) return state; // a stream never starts with anything else
  switch (event.type) {
    case 'WageChanged':
      return { ...state, wageBasis: event.data.wageBasis, monthlyPremium: event.data.monthlyPremium };
    case 'PaymentConfirmed': {
      const { paymentId, bankReference, periods, amount, paidAt, paidThrough } = event.data;
      return {
        ...state,
        status: state.status === 'awaiting_payment' ? 'active' : state.status,
        lastPaidPeriod: periods[periods.length - 1] ?? state.lastPaidPeriod,
        paidThrough,
        payments: [...state.payments, { paymentId, bankReference, periods, amount, paidAt }],
      };
    }
    case 'ContractLapsed':
      return { ...state, status: 'lapsed' };
    case 'ExamReferralIssued':
      return { ...state, exam: { ...state.exam, status: 'referred', referralNumber: event.data.referralNumber } };
    case 'ExamResultRecorded':
      return { ...state, exam: { ...state.exam, status: event.data.result, result: event.data.result } };
    case 'ExamOverdue':
      return { ...state, status: 'payments_blocked', exam: { ...state.exam, status: 'overdue' } };
    case 'ExamDeterminationMade':
      return determined(state, event.data.outcome, event.data.madeOn);
    case 'ContractCancelled':
      return { ...state, status: 'cancelled' };
    case 'ContractTerminated':
      return { ...state, status: 'terminated' };
    default:
      return assertNever(event);
  }
}

/** Folds a whole history; undefined for an empty one. */
export function replay(events: readonly ContractEvent[]): ContractState | undefined {
  return events.reduce<ContractState | undefined>(evolve, initialState);
}

export function isClosed(state: ContractSummary): boolean {
  return state.status === 'lapsed' || state.status === 'cancelled' || state.status === 'terminated';
}

/** The exam no longer limits payments: exempt, passed or cleared by a branch. */
export function examSettled(exam: ExamState): boolean {
  return exam.status === 'not_required' || exam.status === 'passed' || exam.status === 'cleared';
}

/** The next period a payment would cover. */
export function firstUnpaidPeriod(state: ContractSummary): PeriodKey {
  return state.lastPaidPeriod === null ? state.firstPeriod : addPeriods(state.lastPaidPeriod, 1);
}

export function periodEndIso(period: PeriodKey): IsoDate {
  return jalaliToGregorian(periodEnd(period));
}

/** The day a period's cover begins: its first day, or the start date for the first period. */
export function coverageStart(state: ContractSummary, period: PeriodKey): IsoDate {
  const start = jalaliToGregorian(periodStart(period));
  return start < state.startDate ? state.startDate : start;
}

/**
 * Until the exam is passed or cleared, only periods starting by the exam deadline can be paid
 * (the directive: slips only for periods within 2 months of the contract date).
 */
export function beyondExamWindow(state: ContractSummary, period: PeriodKey): boolean {
  if (examSettled(state.exam) || state.exam.deadline === null) return false;
  return coverageStart(state, period) > state.exam.deadline;
}

/**
 * The terms are copied field by field, not as a rest-spread: V8 builds a rest object slowly and
 * gives it a shape the later `{ ...state }` copies cannot clone fast (the fold of a replay took
 * 2.4-3 × as long per event). A field added to ContractOpened, optional or not, fails to compile
 * here until copied (`EveryField`).
 */
function opened(data: OpenedData): ContractState {
  const { examRequirement } = data;
  return {
    contractNumber: data.contractNumber,
    contractDate: data.contractDate,
    channel: data.channel,
    branchId: data.branchId,
    provinceCode: data.provinceCode,
    applicant: data.applicant,
    basis: data.basis,
    policyVersion: data.policyVersion,
    premiumRate: data.premiumRate,
    wageBasis: data.wageBasis,
    monthlyPremium: data.monthlyPremium,
    startDate: data.startDate,
    paymentDeadline: data.paymentDeadline,
    examUndertaking: data.examUndertaking,
    termsVersion: data.termsVersion,
    documents: data.documents,
    id: data.contractId,
    status: 'awaiting_payment',
    firstPeriod: periodKeyOf(gregorianToJalali(data.startDate)),
    lastPaidPeriod: null,
    paidThrough: null,
    payments: [],
    exam: {
      requirement: examRequirement,
      status: examRequirement === 'exempt' ? 'not_required' : 'pending',
      deadline: data.examDeadline,
      referralNumber: null,
      result: null,
      determination: null,
      clearedOn: null,
    },
  } satisfies EveryField;
}

/** The state with every field written out, an optional one too (undefined when absent). */
type EveryField = ContractState & Record<keyof ContractState, unknown>;

/** Cleared unblocks payments; rejected leaves the exam as it stood (ContractTerminated follows). */
function determined(state: ContractState, outcome: ExamOutcome, madeOn: IsoDate): ContractState {
  if (outcome === 'rejected') return { ...state, exam: { ...state.exam, determination: outcome } };
  return {
    ...state,
    status: state.status !== 'payments_blocked' ? state.status : state.lastPaidPeriod === null ? 'awaiting_payment' : 'active',
    exam: { ...state.exam, status: 'cleared', determination: outcome, clearedOn: madeOn },
  };
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
