/**
 * What callers ask of a contract. Ids and numbers (contract id and number, referral number,
 * payment id) are allocated outside and passed in, so `decide` stays deterministic.
 */
import { ApplicantFacts, DocumentKind } from './eligibility';
import { ExamOutcome, ExamResult } from './events';
import { IsoDate } from './jalali';

interface Command<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
}

/** What the applicant saw on the quote and confirmed. */
export interface Confirmation {
  readonly premiumRate: number;
  readonly wageBasis: number;
  readonly startDate: IsoDate;
}

export interface Corrections {
  readonly mobile?: string;
  readonly address?: string;
}

export interface OpenContractData {
  readonly contractId: string;
  readonly contractNumber: string;
  readonly facts: ApplicantFacts;
  readonly requestedMonthlyPremium: number;
  readonly startNextMonth: boolean;
  /** Version of the regulation the applicant accepted; null when they did not accept. */
  readonly acceptedTermsVersion: string | null;
  readonly confirm: Confirmation;
  readonly examUndertaking: boolean;
  readonly corrections?: Corrections;
}

export type OpenContractOnline = Command<'OpenContractOnline', OpenContractData>;

export type OpenContractAtBranch = Command<
  'OpenContractAtBranch',
  OpenContractData & {
    /** The officer's branch, which concludes and keeps the contract. */
    readonly branchId: string;
    readonly documents: readonly { readonly kind: DocumentKind; readonly reference: string }[];
  }
>;

export type ChangeWage = Command<'ChangeWage', { readonly requestedMonthlyPremium: number }>;

export type ConfirmPayment = Command<
  'ConfirmPayment',
  {
    readonly paymentId: string;
    readonly bankReference: string;
    /** How many consecutive unpaid periods, 1–12. */
    readonly periods: number;
    readonly amount: number;
    /** ISO instant the bank received the money. */
    readonly paidAt: string;
  }
>;

export type IssueExamReferral = Command<'IssueExamReferral', { readonly referralNumber: string }>;

export type RecordExamResult = Command<'RecordExamResult', { readonly result: ExamResult }>;

export type MakeExamDetermination = Command<
  'MakeExamDetermination',
  { readonly outcome: ExamOutcome; readonly note: string }
>;

/** Deadline commands: sent by the deadline runner; refused with DEADLINE_NOT_REACHED or NOTHING_TO_DO. */
export type MarkLapsed = Command<'MarkLapsed', Record<string, never>>;
export type MarkExamOverdue = Command<'MarkExamOverdue', Record<string, never>>;
export type CancelForNonPayment = Command<'CancelForNonPayment', Record<string, never>>;

export type ContractCommand =
  | OpenContractOnline
  | OpenContractAtBranch
  | ChangeWage
  | ConfirmPayment
  | IssueExamReferral
  | RecordExamResult
  | MakeExamDetermination
  | MarkLapsed
  | MarkExamOverdue
  | CancelForNonPayment;

export type DeadlineCommand = MarkLapsed | MarkExamOverdue | CancelForNonPayment;
