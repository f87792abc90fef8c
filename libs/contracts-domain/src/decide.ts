/**
 * The contract's decider: given what happened (state), what is asked (command), the time and the
 * policy in force, it returns the new events or throws a DomainError with a stable code. An empty
 * array means the command was already done (a repeated referral or bank confirmation).
 */
import {
  ChangeWage,
  ConfirmPayment,
  ContractCommand,
  IssueExamReferral,
  MakeExamDetermination,
  OpenContractAtBranch,
  OpenContractOnline,
  RecordExamResult,
} from './commands';
import { behavesAsClosed, cancellationDueAt, examOverdueDueAt, isPastDue, lapseDueAt } from './deadlines';
import { DocumentKind } from './eligibility';
import { DomainError, DomainErrorCode } from './errors';
import { ApplicantRecord, ContractEvent, ContractOpened, PaymentConfirmed, VerifiedDocument } from './events';
import { MAX_JALALI_YEAR, addDays, addJalaliMonthsIso, addPeriods, gregorianToJalali, iranDate, iranDayStart, toPersianDigits } from './jalali';
import { choosePremium } from './money';
import { POLICY_TABLE, Policy, PolicyTable, policyAt } from './policy';
import { assessApplication, priceApplication } from './quote';
import { ContractState, ContractSummary, assertNever, beyondExamWindow, firstUnpaidPeriod, periodEndIso, repeatsPayment } from './state';
import { isIsoInstant, isPositiveRial, normaliseMobile } from './validation';

/** Banks' clocks and ours disagree a little: a paidAt this far past `now` is skew, not a payment from the future. */
export const PAID_AT_CLOCK_SKEW_MS = 5 * 60 * 1000;

export function decide(
  command: ContractCommand,
  state: ContractState | undefined,
  now: Date,
  policy: Policy,
): ContractEvent[] {
  switch (command.type) {
    case 'OpenContractOnline':
    case 'OpenContractAtBranch':
      return [open(command, state, now, policy)];
    case 'ChangeWage':
      return changeWage(command, existing(state), now, policy);
    case 'ConfirmPayment':
      return confirmPayment(command, existing(state), now, policy);
    case 'IssueExamReferral':
      return issueReferral(command, existing(state), now, policy);
    case 'RecordExamResult':
      return recordResult(command, existing(state), now, policy);
    case 'MakeExamDetermination':
      return determine(command, existing(state), now, policy);
    case 'MarkLapsed':
      return markLapsed(existing(state), now);
    case 'MarkExamOverdue':
      return markExamOverdue(existing(state), now);
    case 'CancelForNonPayment':
      return cancelForNonPayment(existing(state), now, policy);
    default:
      return assertNever(command);
  }
}

/** The policy a command is decided under: the one in force on the contract date, or today for a new contract. */
export function policyFor(state: ContractSummary | undefined, now: Date, table: PolicyTable = POLICY_TABLE): Policy {
  return policyAt(state?.contractDate ?? iranDate(now), table);
}

function open(
  command: OpenContractOnline | OpenContractAtBranch,
  state: ContractState | undefined,
  now: Date,
  policy: Policy,
): ContractOpened {
  const { data } = command;
  if (state !== undefined) fail('CONTRACT_ALREADY_OPENED', 'this contract has already been opened');
  requireText(data.contractId, 'contractId');
  if (!/^\d{10}$/.test(data.contractNumber)) invalid('the contract number must be 10 digits', 'شماره قرارداد باید ۱۰ رقم باشد', 'contractNumber');
  const applicant = applicantRecord(command);

  const application = assessApplication(data.facts, now, policy);
  const { assessment } = application;
  let branchId = data.facts.branchId;
  let documents: VerifiedDocument[] = [];
  if (command.type === 'OpenContractOnline') {
    if (assessment.branchVisitReasons.length > 0) {
      fail('BRANCH_VISIT_REQUIRED', 'minors and people under guardianship conclude at a branch', {
        reasons: [...assessment.branchVisitReasons],
      });
    }
  } else {
    requireText(command.data.branchId, 'branchId');
    branchId = command.data.branchId;
    documents = verifiedDocuments(command.data.documents, assessment.requiredDocuments);
  }
  if (data.acceptedTermsVersion !== policy.terms.version) {
    fail('TERMS_NOT_ACCEPTED', 'the regulation in force must be accepted', { termsVersion: policy.terms.version });
  }
  const quote = priceApplication(application, data.requestedMonthlyPremium, data.startNextMonth, policy);
  const { confirm } = data;
  if (
    confirm.premiumRate !== quote.premiumRate ||
    confirm.wageBasis !== quote.wageBasis ||
    confirm.startDate !== quote.startDate
  ) {
    fail('QUOTE_MISMATCH', 'the confirmed figures differ from what the rules give now', {
      expected: { premiumRate: quote.premiumRate, wageBasis: quote.wageBasis, startDate: quote.startDate },
    });
  }
  const { contractDate } = quote;
  const examDeadline = quote.examRequirement === 'required' ? addJalaliMonthsIso(contractDate, policy.examMonths) : null;
  if (examDeadline !== null && data.examUndertaking !== true) {
    fail('EXAM_UNDERTAKING_REQUIRED', 'a non-exempt applicant must undertake the medical exam', { examDeadline });
  }
  return {
    type: 'ContractOpened',
    version: 1,
    data: {
      contractId: data.contractId,
      contractNumber: data.contractNumber,
      contractDate,
      channel: command.type === 'OpenContractOnline' ? 'online' : 'branch',
      branchId,
      provinceCode: data.facts.provinceCode,
      applicant,
      basis: {
        ageOnContractDate: assessment.age,
        contributionDays: data.facts.contributionDays,
        lastContributionDate: data.facts.lastContributionDate,
      },
      policyVersion: policy.version,
      premiumRate: quote.premiumRate,
      wageBasis: quote.wageBasis,
      monthlyPremium: quote.monthlyPremium,
      startDate: quote.startDate,
      paymentDeadline: addDays(contractDate, policy.firstPaymentDays),
      examRequirement: quote.examRequirement,
      examDeadline,
      examUndertaking: data.examUndertaking === true,
      termsVersion: policy.terms.version,
      documents,
    },
  };
}

/**
 * Identity from the registry; mobile and address as corrected, the mobile normalised. A refusal
 * names the field as the command carries it (`corrections.address`, or the registry's `facts.…`).
 */
function applicantRecord(command: OpenContractOnline | OpenContractAtBranch): ApplicantRecord {
  const { facts, corrections = {} } = command.data;
  const mobile = normaliseMobile(corrections.mobile ?? facts.mobile);
  if (mobile === null) invalid('the mobile number must be an Iranian mobile (09xxxxxxxxx)', 'شماره همراه باید شماره‌ای ایرانی به شکل 09xxxxxxxxx باشد', corrections.mobile !== undefined ? 'corrections.mobile' : 'facts.mobile');
  const address = (corrections.address ?? facts.address).trim();
  if (isBlank(address)) invalid('the address must not be empty', 'نشانی نباید خالی باشد', corrections.address !== undefined ? 'corrections.address' : 'facts.address');
  // Embeddings, overrides and isolates reorder what is drawn: the printed address would read
  // otherwise than it is stored. (Marks of direction and ZWNJ, which Persian text uses, are fine.)
  if (corrections.address !== undefined && DIRECTIONAL_FORMATTING.test(corrections.address)) {
    invalid('the address must not contain directional formatting characters (U+202A-U+202E, U+2066-U+2069)', 'نشانی نباید نویسه‌های کنترل جهت متن داشته باشد', 'corrections.address');
  }
  const { nationalCode, firstName, lastName, birthDate, gender } = facts;
  return { nationalCode, firstName, lastName, birthDate, gender, mobile, address };
}

function verifiedDocuments(
  documents: OpenContractAtBranch['data']['documents'],
  required: readonly DocumentKind[],
): VerifiedDocument[] {
  const kinds: readonly string[] = ['growth_certificate', 'guardianship_letter', 'identity'];
  documents.forEach((document, index) => {
    if (!kinds.includes(document.kind)) invalid(`unknown document kind: ${String(document.kind)}`, `نوع مدرک شناخته‌شده نیست: ${String(document.kind)}`, `documents.${index}.kind`);
    requireText(document.reference, `documents.${index}.reference`);
  });
  const missing = required.filter((kind) => !documents.some((d) => d.kind === kind));
  if (missing.length > 0) fail('DOCUMENTS_REQUIRED', 'the branch must verify the required documents', { missing });
  return documents.map(({ kind, reference }) => ({ kind, reference: reference.trim() }));
}

function changeWage(command: ChangeWage, state: ContractState, now: Date, policy: Policy): ContractEvent[] {
  assertOpenForBusiness(state, now, policy);
  if (state.lastPaidPeriod !== null) {
    fail('WAGE_CHANGE_NOT_ALLOWED', 'the wage can only change before the first payment');
  }
  const year = gregorianToJalali(state.contractDate).year;
  const { wageBasis, monthlyPremium } = choosePremium(command.data.requestedMonthlyPremium, policy, year);
  if (wageBasis === state.wageBasis) return [];
  return [
    {
      type: 'WageChanged',
      version: 1,
      data: {
        contractId: state.id,
        requestedMonthlyPremium: command.data.requestedMonthlyPremium,
        wageBasis,
        monthlyPremium,
      },
    },
  ];
}

/** The non-payment cancellation of a contract paid through it still falls within MAX_JALALI_YEAR. */
const LAST_PAYABLE_PERIOD = `${MAX_JALALI_YEAR - 1}-12`;

function confirmPayment(command: ConfirmPayment, state: ContractState, now: Date, policy: Policy): PaymentConfirmed[] {
  const { paymentId, bankReference, periods, amount, paidAt } = command.data;
  requireText(paymentId, 'paymentId');
  requireText(bankReference, 'bankReference');
  const maxPeriods = policy.maxPeriodsPerPayment;
  if (!Number.isInteger(periods) || periods < 1 || periods > maxPeriods) {
    invalid(`periods must be an integer from 1 to ${maxPeriods}`, `تعداد ماه‌ها باید عدد صحیحی از ۱ تا ${toPersianDigits(maxPeriods)} باشد`, 'periods');
  }
  if (!isPositiveRial(amount)) invalid('the amount must be a positive integer rial', 'مبلغ باید عدد صحیح مثبتی به ریال باشد', 'amount');
  if (!isIsoInstant(paidAt)) invalid('paidAt must be an ISO-8601 instant', 'زمان پرداخت باید به شکل ISO-8601 باشد', 'paidAt');

  // A bank retrying a confirmation it already made changes nothing; the same reference for a
  // different payment is a conflict. Matched by payment id, which the API derives from the bank
  // and its reference: two banks' references may coincide.
  const earlier = state.payments.find((p) => p.paymentId === paymentId);
  if (earlier !== undefined) {
    if (repeatsPayment(earlier, { periods, amount })) return [];
    fail('BANK_REFERENCE_REUSED', 'this bank reference was already used for a different payment', {
      paymentId: earlier.paymentId,
    });
  }
  assertPlausiblePaidAt(paidAt, state, now);
  if (state.status === 'lapsed' || isPastDue(lapseDueAt(state), now)) {
    fail('PAYMENT_DEADLINE_PASSED', 'the first payment deadline has passed; the contract is void', {
      paymentDeadline: state.paymentDeadline,
    });
  }
  assertOpenForBusiness(state, now, policy);
  // Past the exam deadline payments are blocked even before the runner records ExamOverdue.
  if (state.status === 'payments_blocked' || isPastDue(examOverdueDueAt(state), now)) {
    fail('PAYMENTS_BLOCKED', 'payments are blocked until a branch decides on the overdue exam', { reason: 'exam_overdue' });
  }
  const expectedAmount = periods * state.monthlyPremium;
  if (amount !== expectedAmount) {
    fail('AMOUNT_MISMATCH', 'the amount must equal the premiums of the paid periods exactly', { expectedAmount });
  }
  const first = firstUnpaidPeriod(state);
  const keys = Array.from({ length: periods }, (_, i) => addPeriods(first, i));
  // Paid further ahead, its paid-through date and the deadlines computed from it would leave the
  // calendar the service computes in: refused here, or no read model could project the payment.
  if (keys[keys.length - 1]! > LAST_PAYABLE_PERIOD) invalid(`periods after ${LAST_PAYABLE_PERIOD} cannot be paid`, `ماه‌های پس از ${LAST_PAYABLE_PERIOD} را نمی‌توان پرداخت کرد`, 'periods');
  const beyond = keys.find((key) => beyondExamWindow(state, key));
  if (beyond !== undefined) {
    fail('PAYMENTS_BLOCKED', 'until the exam is passed only periods starting within the exam window can be paid', {
      reason: 'exam_pending',
      period: beyond,
      examDeadline: state.exam.deadline,
    });
  }
  const last = keys[keys.length - 1];
  return [
    {
      type: 'PaymentConfirmed',
      version: 1,
      data: {
        contractId: state.id,
        paymentId,
        bankReference,
        periods: keys,
        amount,
        paidAt: new Date(paidAt).toISOString(),
        paidThrough: periodEndIso(last),
      },
    },
  ];
}

/**
 * The bank cannot have been paid after `now` (give or take its clock's skew), nor before the
 * contract existed. The state keeps only the contract date, not the instant of conclusion, so the
 * earliest plausible instant is the start of that Iran day.
 */
function assertPlausiblePaidAt(paidAt: string, state: ContractState, now: Date): void {
  const at = Date.parse(paidAt);
  const latest = new Date(now.getTime() + PAID_AT_CLOCK_SKEW_MS);
  if (at > latest.getTime()) {
    fail('PAID_AT_IMPLAUSIBLE', 'paidAt is in the future', { reason: 'in_the_future', latestPaidAt: latest.toISOString() });
  }
  const earliest = iranDayStart(state.contractDate);
  if (at < earliest.getTime()) {
    fail('PAID_AT_IMPLAUSIBLE', 'paidAt is before the contract date', {
      reason: 'before_contract_date',
      earliestPaidAt: earliest.toISOString(),
      contractDate: state.contractDate,
    });
  }
}

function issueReferral(command: IssueExamReferral, state: ContractState, now: Date, policy: Policy): ContractEvent[] {
  requireText(command.data.referralNumber, 'referralNumber');
  assertOpenForBusiness(state, now, policy);
  assertExamRequired(state);
  if (state.exam.status === 'referred') {
    // Issued already: nothing more, unless the deadline has passed (refused as after ExamOverdue).
    assertExamStep(state, now, ['referred']);
    return [];
  }
  if (state.lastPaidPeriod === null) {
    fail('EXAM_STEP_NOT_ALLOWED', 'the referral form is issued after the first payment', { reason: 'first_payment_missing' });
  }
  assertExamStep(state, now, ['pending']);
  return [
    {
      type: 'ExamReferralIssued',
      version: 1,
      data: { contractId: state.id, referralNumber: command.data.referralNumber, issuedOn: iranDate(now) },
    },
  ];
}

function recordResult(command: RecordExamResult, state: ContractState, now: Date, policy: Policy): ContractEvent[] {
  const { result } = command.data;
  if (result !== 'passed' && result !== 'failed') invalid('result must be passed or failed', 'نتیجه باید passed یا failed باشد', 'result');
  assertOpenForBusiness(state, now, policy);
  assertExamRequired(state);
  assertExamStep(state, now, ['referred']);
  return [{ type: 'ExamResultRecorded', version: 1, data: { contractId: state.id, result, recordedOn: iranDate(now) } }];
}

function determine(command: MakeExamDetermination, state: ContractState, now: Date, policy: Policy): ContractEvent[] {
  const { outcome, note } = command.data;
  if (outcome !== 'cleared' && outcome !== 'rejected') invalid('outcome must be cleared or rejected', 'تصمیم باید cleared یا rejected باشد', 'outcome');
  requireText(note, 'note');
  assertOpenForBusiness(state, now, policy);
  assertExamRequired(state);
  // Past the exam deadline the exam is overdue whether or not the runner has recorded it yet: the
  // branch may decide at once, and ExamOverdue goes first, as a prompt runner would have put it.
  const overdueUnrecorded = isPastDue(examOverdueDueAt(state), now) ? markExamOverdue(state, now) : [];
  if (state.exam.status !== 'overdue' && state.exam.status !== 'failed' && overdueUnrecorded.length === 0) {
    fail('EXAM_STEP_NOT_ALLOWED', 'a determination follows a failed or overdue exam', { examStatus: state.exam.status });
  }
  const made: ContractEvent = {
    type: 'ExamDeterminationMade',
    version: 1,
    data: { contractId: state.id, outcome, note: note.trim(), madeOn: iranDate(now) },
  };
  if (outcome === 'cleared') return [...overdueUnrecorded, made];
  return [...overdueUnrecorded, made, { type: 'ContractTerminated', version: 1, data: { contractId: state.id, reason: 'exam_rejected' } }];
}

/**
 * Closed contracts refuse everything. So does a contract whose lapse or cancellation is due but
 * not yet recorded: the outcome must not depend on how promptly the deadline runner works.
 */
function assertOpenForBusiness(state: ContractState, now: Date, policy: Policy): void {
  if (behavesAsClosed(state, now, policy)) {
    fail('CONTRACT_NOT_ACTIVE', 'the contract is no longer in force', { contractStatus: state.status });
  }
}

function assertExamRequired(state: ContractState): void {
  if (state.exam.requirement === 'exempt') fail('EXAM_NOT_REQUIRED', 'this contract is exempt from the medical exam');
}

function assertExamStep(state: ContractState, now: Date, allowed: readonly string[]): void {
  // The same refusal whether or not the deadline runner has recorded ExamOverdue yet.
  if (state.exam.status === 'overdue' || isPastDue(examOverdueDueAt(state), now)) {
    fail('EXAM_STEP_NOT_ALLOWED', 'the exam deadline has passed; a branch must decide', {
      reason: 'exam_deadline_passed',
      examDeadline: state.exam.deadline,
    });
  }
  if (!allowed.includes(state.exam.status)) {
    fail('EXAM_STEP_NOT_ALLOWED', `not possible while the exam is ${state.exam.status}`, { examStatus: state.exam.status });
  }
}

function markLapsed(state: ContractState, now: Date): ContractEvent[] {
  assertDue(lapseDueAt(state), now);
  return [
    {
      type: 'ContractLapsed',
      version: 1,
      data: { contractId: state.id, reason: 'first_payment_deadline_missed', paymentDeadline: state.paymentDeadline },
    },
  ];
}

function markExamOverdue(state: ContractState, now: Date): ContractEvent[] {
  const due = examOverdueDueAt(state);
  assertDue(due, now);
  // Due at the start of the day after the deadline, so the deadline is the day before `due`.
  const examDeadline = addDays(iranDate(due), -1);
  return [{ type: 'ExamOverdue', version: 1, data: { contractId: state.id, examDeadline } }];
}

function cancelForNonPayment(state: ContractState, now: Date, policy: Policy): ContractEvent[] {
  const due = cancellationDueAt(state, policy);
  const lastPaidPeriod = state.lastPaidPeriod;
  if (lastPaidPeriod === null) fail('NOTHING_TO_DO', 'nothing has been paid, so there is no non-payment to cancel for');
  assertDue(due, now);
  return [{ type: 'ContractCancelled', version: 1, data: { contractId: state.id, reason: 'non_payment', lastPaidPeriod } }];
}

/** Deadline commands: NOTHING_TO_DO when the reason vanished, DEADLINE_NOT_REACHED before time. */
function assertDue(due: Date | null, now: Date): asserts due is Date {
  if (due === null) fail('NOTHING_TO_DO', 'the deadline no longer applies to this contract');
  if (now < due) fail('DEADLINE_NOT_REACHED', 'the deadline has not been reached', { dueAt: due.toISOString() });
}

function existing(state: ContractState | undefined): ContractState {
  if (state === undefined) fail('CONTRACT_NOT_FOUND', 'no such contract');
  return state;
}

const DIRECTIONAL_FORMATTING = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * Nothing a reader would see: white space, what Unicode says to draw as nothing (ZWSP, ZWNJ, marks
 * of direction, the Hangul filler, variation selectors) and the blank Braille pattern. Not every
 * format character: the Arabic number and end-of-ayah signs (U+0600-0605, U+06DD) are drawn.
 */
function isBlank(text: string): boolean {
  return /^[\s\p{Default_Ignorable_Code_Point}\u2800]*$/u.test(text);
}

function requireText(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || isBlank(value)) invalid(`${field} must be a non-empty string`, `«${field}» باید متنی ناخالی باشد`, field);
}

/** A malformed command: the field it names, and the message in Persian too (the API shows both). */
function invalid(message: string, messageFa: string, field: string): never {
  throw new DomainError('INVALID_COMMAND', message, { field, messageFa });
}

function fail(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details);
}
