/**
 * The contract's history. Every event is `{ type, version, data }` with plain-JSON data
 * (strings, numbers, booleans, nulls, arrays, nested plain objects): dates are ISO strings,
 * money is integer rial. A changed shape gets a new version and an upcaster in the event
 * store; published versions are never edited.
 */
import { ApplicantFacts, DocumentKind, ExamRequirement } from './eligibility';
import { IsoDate, PeriodKey } from './jalali';

export type Channel = 'online' | 'branch';

/** Identity from the registry plus contact data as corrected at conclusion. */
export type ApplicantRecord = Pick<
  ApplicantFacts,
  'nationalCode' | 'firstName' | 'lastName' | 'birthDate' | 'gender' | 'mobile' | 'address'
>;

/** The registry facts the eligibility and exemption decisions rested on, kept for audit. */
export interface DecisionBasis {
  readonly ageOnContractDate: number;
  readonly contributionDays: number;
  readonly lastContributionDate: IsoDate | null;
}

export interface VerifiedDocument {
  readonly kind: DocumentKind;
  readonly reference: string;
}

interface Event<Type extends string, Data> {
  readonly type: Type;
  readonly version: 1;
  readonly data: Data;
}

export type ContractOpened = Event<
  'ContractOpened',
  {
    readonly contractId: string;
    readonly contractNumber: string;
    readonly contractDate: IsoDate;
    readonly channel: Channel;
    readonly branchId: string;
    readonly provinceCode: string;
    readonly applicant: ApplicantRecord;
    readonly basis: DecisionBasis;
    readonly policyVersion: string;
    readonly premiumRate: number;
    readonly wageBasis: number;
    readonly monthlyPremium: number;
    readonly startDate: IsoDate;
    /** Last Iran day on which the first payment is accepted. */
    readonly paymentDeadline: IsoDate;
    readonly examRequirement: ExamRequirement;
    /** Last Iran day for a passed exam; null when exempt. */
    readonly examDeadline: IsoDate | null;
    readonly examUndertaking: boolean;
    readonly termsVersion: string;
    /** Documents the branch officer verified; empty online. */
    readonly documents: readonly VerifiedDocument[];
  }
>;

export type WageChanged = Event<
  'WageChanged',
  {
    readonly contractId: string;
    readonly requestedMonthlyPremium: number;
    readonly wageBasis: number;
    readonly monthlyPremium: number;
  }
>;

export type PaymentConfirmed = Event<
  'PaymentConfirmed',
  {
    readonly contractId: string;
    readonly paymentId: string;
    readonly bankReference: string;
    readonly periods: readonly PeriodKey[];
    readonly amount: number;
    /** When the bank received the money, as the bank reports it (ISO instant). */
    readonly paidAt: string;
    /** Last Iran day covered after this payment. */
    readonly paidThrough: IsoDate;
  }
>;

export type ContractLapsed = Event<
  'ContractLapsed',
  { readonly contractId: string; readonly reason: 'first_payment_deadline_missed'; readonly paymentDeadline: IsoDate }
>;

export type ExamReferralIssued = Event<
  'ExamReferralIssued',
  { readonly contractId: string; readonly referralNumber: string; readonly issuedOn: IsoDate }
>;

export type ExamResult = 'passed' | 'failed';

export type ExamResultRecorded = Event<
  'ExamResultRecorded',
  { readonly contractId: string; readonly result: ExamResult; readonly recordedOn: IsoDate }
>;

export type ExamOverdue = Event<'ExamOverdue', { readonly contractId: string; readonly examDeadline: IsoDate }>;

export type ExamOutcome = 'cleared' | 'rejected';

export type ExamDeterminationMade = Event<
  'ExamDeterminationMade',
  { readonly contractId: string; readonly outcome: ExamOutcome; readonly note: string; readonly madeOn: IsoDate }
>;

export type ContractCancelled = Event<
  'ContractCancelled',
  { readonly contractId: string; readonly reason: 'non_payment'; readonly lastPaidPeriod: PeriodKey }
>;

export type ContractTerminated = Event<
  'ContractTerminated',
  { readonly contractId: string; readonly reason: 'exam_rejected' }
>;

export type ContractEvent =
  | ContractOpened
  | WageChanged
  | PaymentConfirmed
  | ContractLapsed
  | ExamReferralIssued
  | ExamResultRecorded
  | ExamOverdue
  | ExamDeterminationMade
  | ContractCancelled
  | ContractTerminated;

export type ContractEventType = ContractEvent['type'];

export const CONTRACT_EVENT_TYPES: readonly ContractEventType[] = [
  'ContractOpened',
  'WageChanged',
  'PaymentConfirmed',
  'ContractLapsed',
  'ExamReferralIssued',
  'ExamResultRecorded',
  'ExamOverdue',
  'ExamDeterminationMade',
  'ContractCancelled',
  'ContractTerminated',
];

export function isContractEventType(type: string): type is ContractEventType {
  return (CONTRACT_EVENT_TYPES as readonly string[]).includes(type);
}
