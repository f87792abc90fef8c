/**
 * Every refusal the domain can give. The API maps each code to an HTTP status and an
 * RFC 9457 problem with English and Persian text; the domain itself knows nothing of HTTP.
 */
export type DomainErrorCode =
  | 'NOT_ELIGIBLE'
  | 'BRANCH_VISIT_REQUIRED'
  | 'TERMS_NOT_ACCEPTED'
  | 'EXAM_UNDERTAKING_REQUIRED'
  | 'WAGE_OUT_OF_RANGE'
  | 'QUOTE_MISMATCH'
  | 'WAGE_CHANGE_NOT_ALLOWED'
  | 'PAYMENT_DEADLINE_PASSED'
  | 'PAYMENTS_BLOCKED'
  | 'AMOUNT_MISMATCH'
  | 'CONTRACT_NOT_ACTIVE'
  | 'EXAM_NOT_REQUIRED'
  /** A branch opening lacks a document the applicant's situation calls for (details.missing). */
  | 'DOCUMENTS_REQUIRED'
  /** The command itself is malformed (bad national code, periods outside 1–12, non-integer amount…). */
  | 'INVALID_COMMAND'
  /** The registry's record of the applicant cannot be used (details.fields): no request can mend it. */
  | 'REGISTRY_DATA_INVALID'
  /** A command for a contract that already exists (open twice on the same stream). */
  | 'CONTRACT_ALREADY_OPENED'
  /** A command for a stream with no ContractOpened. */
  | 'CONTRACT_NOT_FOUND'
  /** A deadline command whose deadline has not come yet. */
  | 'DEADLINE_NOT_REACHED'
  /** A deadline command whose reason has vanished (paid, passed, already done): a no-op for the runner. */
  | 'NOTHING_TO_DO'
  /** A command that does not fit the exam's current step (e.g. a result before a referral). */
  | 'EXAM_STEP_NOT_ALLOWED'
  /** A bank reference this contract already recorded, sent again with a different body. */
  | 'BANK_REFERENCE_REUSED'
  /** A bank's paidAt after now (beyond the clock-skew allowance) or before the contract date. */
  | 'PAID_AT_IMPLAUSIBLE';

export type IneligibilityReason =
  | 'INSUFFICIENT_HISTORY'
  | 'AGE_LIMIT'
  | 'CURRENTLY_INSURED'
  | 'NOT_MAIN_INSURED'
  | 'SELF_EMPLOYED_CONTRACT';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
