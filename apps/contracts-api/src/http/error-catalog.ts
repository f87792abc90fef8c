import { formatPeriodJalaliFa, isIsoDate, jalaliFaOfIso, PAID_AT_CLOCK_SKEW_MS, toPersianDigits, type DomainErrorCode, type PeriodKey } from '@app/contracts-domain';

/**
 * Every `code` the API can answer with, and how it reads: the HTTP status, a stable title and a
 * detail in English and Persian. API.md fixes the codes and statuses; clients branch on `code`,
 * people read `detail`/`detailFa`.
 */
export type ApiErrorCode =
  | DomainErrorCode
  | 'ACTIVE_CONTRACT_EXISTS'
  | 'CONCURRENCY_CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'REQUEST_TIMEOUT'
  | 'HEADERS_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE'
  | 'AUDIT_CHAIN_BROKEN'
  | 'INTERNAL';

/** An ISO date of the details as people read it: Jalali, Persian digits. */
const jalaliFa = (date: unknown) => (isIsoDate(date) ? jalaliFaOfIso(date) : String(date));
/** A period key (`1405-09`, Jalali year and month) as `۱۴۰۵/۰۹`. */
const periodFa = (period: unknown) => (typeof period === 'string' && /^\d{4}-\d{2}$/.test(period) ? formatPeriodJalaliFa(period as PeriodKey) : String(period));

/** Texts may use the occurrence's details (e.g. the allowed premium range). */
type Text = string | ((details: Record<string, unknown>) => string);

export interface CatalogEntry {
  status: number;
  title: string;
  detail: Text;
  detailFa: Text;
}

const REASONS_EN: Record<string, string> = {
  INSUFFICIENT_HISTORY: 'fewer days of prior contributions than the regulation requires',
  AGE_LIMIT: 'outside the age limits (below the minimum age, or older than the years contributed allow)',
  CURRENTLY_INSURED: 'currently covered by compulsory insurance',
  NOT_MAIN_INSURED: 'not a main insured person',
  SELF_EMPLOYED_CONTRACT: 'an active self-employed contract exists',
};

const REASONS_FA: Record<string, string> = {
  INSUFFICIENT_HISTORY: 'سابقه پرداخت حق بیمه کمتر از حداقل مقرر در آیین‌نامه است',
  AGE_LIMIT: 'سن متقاضی خارج از محدوده مجاز است (کمتر از حداقل سن، یا بیش از حد مجاز نسبت به سال‌های سابقه)',
  CURRENTLY_INSURED: 'متقاضی در حال حاضر مشمول بیمه اجباری است',
  NOT_MAIN_INSURED: 'متقاضی بیمه‌شده اصلی نیست',
  SELF_EMPLOYED_CONTRACT: 'متقاضی قرارداد فعال بیمه مشاغل آزاد دارد',
};

function reasons(details: Record<string, unknown>, texts: Record<string, string>, separator: string): string {
  const list = Array.isArray(details.reasons) ? details.reasons : [];
  return list.map((reason) => texts[String(reason)] ?? String(reason)).join(separator);
}

/** The registry fields a REGISTRY_DATA_INVALID names (`fields`), as written in the registry. */
const fieldList = (details: Record<string, unknown>) => (Array.isArray(details.fields) ? details.fields.map(String).join(', ') : '?');

function rial(value: unknown, locale: 'en-US' | 'fa-IR'): string {
  return typeof value === 'number' ? value.toLocaleString(locale) : '?';
}

const SKEW_MINUTES = PAID_AT_CLOCK_SKEW_MS / 60_000;

/**
 * Domain codes that name, more precisely, a situation API.md gives a public code: clients see the
 * public one (a malformed command is a validation failure; a missing stream is a 404).
 */
const PUBLIC_CODE = {
  INVALID_COMMAND: 'VALIDATION_FAILED',
  CONTRACT_NOT_FOUND: 'NOT_FOUND',
} as const satisfies Partial<Record<ApiErrorCode, ApiErrorCode>>;

/** A code a client can receive. */
export type PublicErrorCode = Exclude<ApiErrorCode, keyof typeof PUBLIC_CODE>;

export function publicCode(code: ApiErrorCode): PublicErrorCode {
  return code in PUBLIC_CODE ? PUBLIC_CODE[code as keyof typeof PUBLIC_CODE] : (code as PublicErrorCode);
}

export const ERROR_CATALOG: Record<PublicErrorCode, CatalogEntry> = {
  // Domain refusals: 422 unless API.md says otherwise.
  NOT_ELIGIBLE: {
    status: 422,
    title: 'Not eligible for voluntary insurance',
    detail: (d) => `The applicant cannot conclude a voluntary-insurance contract: ${reasons(d, REASONS_EN, '; ')}.`,
    detailFa: (d) => `متقاضی امکان انعقاد قرارداد بیمه اختیاری را ندارد: ${reasons(d, REASONS_FA, '؛ ')}.`,
  },
  BRANCH_VISIT_REQUIRED: {
    status: 422,
    title: 'Branch visit required',
    detail: 'Applicants under 18 or under guardianship must conclude their contract at an SSO branch.',
    detailFa: 'متقاضیان زیر ۱۸ سال یا تحت قیمومیت باید برای انعقاد قرارداد به شعبه تأمین اجتماعی مراجعه کنند.',
  },
  REGISTRY_DATA_INVALID: {
    status: 422,
    title: 'Registry record unusable',
    detail: (d) => `The registry's record of this person cannot be used (${fieldList(d)}): it must be corrected at an SSO branch before a contract is quoted or concluded.`,
    detailFa: (d) => `اطلاعات ثبتی این شخص (${fieldList(d)}) نادرست است و پیش از استعلام یا انعقاد قرارداد باید در شعبه تأمین اجتماعی اصلاح شود.`,
  },
  TERMS_NOT_ACCEPTED: {
    status: 422,
    title: 'Regulation not accepted',
    detail: 'The regulation version in force must be accepted to conclude the contract.',
    detailFa: 'برای انعقاد قرارداد باید نسخه جاری آیین‌نامه را بپذیرید.',
  },
  EXAM_UNDERTAKING_REQUIRED: {
    status: 422,
    title: 'Exam undertaking required',
    // `examDeadline`: the last day the exam would be due by (the regulation's months from today).
    detail: (d) => `This applicant is not exempt from the medical exam and must undertake to be examined by ${String(d.examDeadline)}.`,
    detailFa: (d) => `متقاضی از معاینات پزشکی معاف نیست و باید متعهد شود تا ${jalaliFa(d.examDeadline)} معاینات پزشکی را انجام دهد.`,
  },
  WAGE_OUT_OF_RANGE: {
    status: 422,
    title: 'Monthly premium out of range',
    detail: (d) => `The monthly premium must be between ${rial(d.minPremium, 'en-US')} and ${rial(d.maxPremium, 'en-US')} rial.`,
    detailFa: (d) => `حق بیمه ماهانه باید بین ${rial(d.minPremium, 'fa-IR')} و ${rial(d.maxPremium, 'fa-IR')} ریال باشد.`,
  },
  QUOTE_MISMATCH: {
    status: 422,
    title: 'Confirmed terms are out of date',
    detail: 'The confirmed premium rate, wage basis or start date differ from what the rules give now; request a new quote.',
    detailFa: 'نرخ حق بیمه، دستمزد مبنا یا تاریخ شروع بیمه‌پردازی تأییدشده با مقررات فعلی مطابقت ندارد؛ دوباره استعلام بگیرید.',
  },
  WAGE_CHANGE_NOT_ALLOWED: {
    status: 422,
    title: 'Wage change not allowed',
    detail: 'The wage can only be changed before the first payment is confirmed.',
    detailFa: 'تغییر دستمزد مبنا فقط پیش از تأیید نخستین پرداخت امکان‌پذیر است.',
  },
  PAYMENT_DEADLINE_PASSED: {
    status: 422,
    title: 'Payment deadline passed',
    detail: (d) => `The first payment was not made by its deadline, ${String(d.paymentDeadline)}; the contract is void.`,
    detailFa: (d) => `نخستین پرداخت تا مهلت آن، ${jalaliFa(d.paymentDeadline)}، انجام نشده و قرارداد باطل شده است.`,
  },
  PAYMENTS_BLOCKED: {
    status: 422,
    title: 'Payments blocked',
    // `reason`: exam_pending (a period starts after the exam deadline) or exam_overdue; none to a
    // bank, which is not told the person's medical exam (`period` only, when some periods may be paid).
    detail: (d) =>
      d.reason === 'exam_pending'
        ? 'Until the medical exam is passed, only periods starting by the exam deadline can be paid.'
        : d.reason === 'exam_overdue'
          ? 'Premium payments are blocked until a branch makes its determination on the overdue medical exam.'
          : d.period === undefined
            ? 'Premium payments for this contract are not accepted now; the insured person should contact their branch.'
            : `Periods from ${String(d.period)} on cannot be paid yet; the insured person should contact their branch.`,
    detailFa: (d) =>
      d.reason === 'exam_pending'
        ? 'تا قبولی در معاینات پزشکی، فقط حق بیمه ماه‌هایی قابل پرداخت است که تا مهلت معاینات آغاز می‌شوند.'
        : d.reason === 'exam_overdue'
          ? 'مهلت معاینات پزشکی بدون قبولی به پایان رسیده است؛ پرداخت حق بیمه تا تعیین تکلیف شعبه متوقف است.'
          : d.period === undefined
            ? 'حق بیمه این قرارداد اکنون پذیرفته نمی‌شود؛ بیمه‌شده به شعبه مراجعه کند.'
            : `حق بیمه ماه ${periodFa(d.period)} و پس از آن هنوز قابل پرداخت نیست؛ بیمه‌شده به شعبه مراجعه کند.`,
  },
  AMOUNT_MISMATCH: {
    status: 422,
    title: 'Amount does not match',
    detail: 'The amount paid must equal the sum of the premiums of the periods paid.',
    detailFa: 'مبلغ پرداختی باید دقیقاً برابر مجموع حق بیمه ماه‌هایی باشد که پرداخت می‌شود.',
  },
  PAID_AT_IMPLAUSIBLE: {
    status: 422,
    title: 'Implausible payment time',
    // `reason`: in_the_future (after now + the clock-skew allowance; `latestPaidAt`) or
    // before_contract_date (before 00:00 Iran time of the contract date; `earliestPaidAt`).
    detail: (d) =>
      d.reason === 'before_contract_date'
        ? 'paidAt is before the contract date: a payment cannot precede the contract it pays for.'
        : `paidAt is in the future: it may be at most ${SKEW_MINUTES} minutes after the service's current time.`,
    detailFa: (d) =>
      d.reason === 'before_contract_date'
        ? 'زمان پرداخت (paidAt) پیش از تاریخ قرارداد است؛ پرداخت نمی‌تواند پیش از انعقاد قرارداد انجام شده باشد.'
        : `زمان پرداخت (paidAt) در آینده است؛ حداکثر ${toPersianDigits(SKEW_MINUTES)} دقیقه پس از زمان فعلی سامانه پذیرفته می‌شود.`,
  },
  CONTRACT_NOT_ACTIVE: {
    status: 422,
    title: 'Contract not active',
    detail: 'The contract is not in a state that allows this operation.',
    detailFa: 'وضعیت قرارداد اجازه این عملیات را نمی‌دهد.',
  },
  EXAM_NOT_REQUIRED: {
    status: 422,
    title: 'Exam not required',
    detail: 'This contract is exempt from the medical exam.',
    detailFa: 'این قرارداد از معاینات پزشکی معاف است.',
  },
  EXAM_STEP_NOT_ALLOWED: {
    status: 422,
    title: 'Exam step not allowed now',
    // `reason: first_payment_missing`: a referral asked for before the first premium is paid.
    detail: (d) =>
      d.reason === 'first_payment_missing'
        ? 'The referral form is issued once the first premium is paid.'
        : 'This step does not follow from the current state of the medical exam.',
    detailFa: (d) =>
      d.reason === 'first_payment_missing'
        ? 'فرم معرفی پس از پرداخت نخستین حق بیمه صادر می‌شود.'
        : 'این مرحله با وضعیت فعلی معاینات پزشکی سازگار نیست.',
  },
  DOCUMENTS_REQUIRED: {
    status: 422,
    title: 'Documents required',
    detail: "A document the applicant's situation calls for has not been verified.",
    detailFa: 'مدرک لازم برای وضعیت متقاضی احراز نشده است.',
  },
  CONTRACT_ALREADY_OPENED: {
    status: 409,
    title: 'Contract already opened',
    detail: 'This contract has already been opened.',
    detailFa: 'این قرارداد قبلاً منعقد شده است.',
  },
  DEADLINE_NOT_REACHED: {
    status: 409,
    title: 'Deadline not reached',
    detail: 'The deadline has not come yet.',
    detailFa: 'مهلت هنوز به پایان نرسیده است.',
  },
  NOTHING_TO_DO: {
    status: 409,
    title: 'Nothing to do',
    detail: 'The reason for this command no longer holds.',
    detailFa: 'دلیلی برای انجام این عملیات باقی نمانده است.',
  },
  BANK_REFERENCE_REUSED: {
    status: 409,
    title: 'Bank reference reused',
    detail: 'This bank reference was already recorded for a different payment.',
    detailFa: 'این شناسه پرداخت بانکی قبلاً برای پرداخت دیگری ثبت شده است.',
  },

  // Conflicts and preconditions.
  ACTIVE_CONTRACT_EXISTS: {
    status: 409,
    title: 'Active contract exists',
    detail: 'This person already has an active voluntary-insurance contract.',
    detailFa: 'برای این شخص قرارداد بیمه اختیاری فعال وجود دارد.',
  },
  CONCURRENCY_CONFLICT: {
    status: 409,
    title: 'Concurrent change',
    // `reason: idempotency_key_in_progress`: the first request with this key has not answered yet.
    detail: (d) =>
      d.reason === 'idempotency_key_in_progress'
        ? 'A request with this Idempotency-Key is still being processed; retry shortly (the same request then gets its answer).'
        : 'The contract was changed by another request at the same time; read it again and retry.',
    detailFa: (d) =>
      d.reason === 'idempotency_key_in_progress'
        ? 'درخواستی با همین کلید Idempotency-Key هنوز در حال انجام است؛ کمی بعد دوباره بفرستید (همان درخواست پاسخ خود را می‌گیرد).'
        : 'قرارداد هم‌زمان توسط درخواست دیگری تغییر کرد؛ قرارداد را دوباره دریافت و مجدداً تلاش کنید.',
  },
  PRECONDITION_FAILED: {
    status: 412,
    title: 'Precondition failed',
    // `reason: tag_never_matches`: no tag of the If-Match is one we send (W/"3", "03"); it compares strongly.
    detail: (d) =>
      d.reason === 'tag_never_matches'
        ? 'If-Match needs the strong tag the ETag header gave, such as "3": a weak tag (W/"3") or any other never matches.'
        : 'The If-Match revision is not the current revision of the contract.',
    detailFa: (d) =>
      d.reason === 'tag_never_matches'
        // Latin fragments isolated (LRI…PDI), or bidi shows W/"3" as ("W/"3).
        ? 'در If-Match باید برچسب قوی سرآیند ETag، مانند \u2066"3"\u2069، آورده شود؛ برچسب ضعیف (\u2066W/"3"\u2069) یا هر برچسب دیگری هرگز منطبق نیست.'
        : 'نسخه ذکرشده در If-Match با نسخه فعلی قرارداد یکسان نیست.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    title: 'Idempotency key reused',
    detail: 'This Idempotency-Key (for a bank, this bankReference) was already used for another request: another body or If-Match.',
    detailFa: 'این کلید Idempotency-Key (برای بانک، این شناسه پرداخت بانکی bankReference) قبلاً برای درخواست دیگری (بدنه یا If-Match دیگر) استفاده شده است.',
  },

  // Request shape.
  VALIDATION_FAILED: {
    status: 400,
    title: 'Validation failed',
    detail: 'One or more fields are not valid; see errors.',
    detailFa: 'یک یا چند فیلد معتبر نیست؛ فهرست خطاها را ببینید.',
  },
  MALFORMED_JSON: {
    status: 400,
    title: 'Malformed JSON',
    // Fastify's parser also refuses valid JSON holding __proto__ or constructor.prototype keys (prototype poisoning).
    detail: 'The request body is not valid JSON, or holds a __proto__ or constructor.prototype key, which is refused.',
    detailFa: 'بدنه درخواست JSON معتبر نیست، یا کلید \u2066__proto__\u2069 یا \u2066constructor.prototype\u2069 دارد که پذیرفته نمی‌شود.',
  },
  BAD_REQUEST: {
    status: 400,
    title: 'Bad request',
    detail: 'The request cannot be processed as sent.',
    detailFa: 'درخواست به شکل ارسال‌شده قابل پردازش نیست.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    detail: 'The request body is larger than allowed.',
    detailFa: 'حجم بدنه درخواست بیش از حد مجاز است.',
  },
  URI_TOO_LONG: {
    status: 414,
    title: 'URI too long',
    detail: 'A path segment is longer than any resource name.',
    detailFa: 'بخشی از نشانی درخواست بیش از حد طولانی است.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    detail: 'Send the request body as application/json in UTF-8, without a Content-Encoding.',
    detailFa: 'بدنه درخواست را با نوع application/json، با کدگذاری UTF-8 و بدون Content-Encoding ارسال کنید.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request timeout',
    detail: 'The request was not received in full in time; nothing was done. Send it again.',
    detailFa: 'درخواست به‌موقع به‌طور کامل دریافت نشد و هیچ عملیاتی انجام نشد؛ دوباره ارسال کنید.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request headers too large',
    detail: 'The request headers are larger than allowed.',
    detailFa: 'حجم سرآیندهای درخواست بیش از حد مجاز است.',
  },
  NOT_ACCEPTABLE: {
    status: 406,
    title: 'Not acceptable',
    detail: 'No representation matches the Accept header.',
    detailFa: 'قالبی مطابق سرآیند Accept در دسترس نیست.',
  },

  // Who may do what.
  UNAUTHENTICATED: {
    status: 401,
    title: 'Unauthenticated',
    detail: 'A valid bearer token is required.',
    detailFa: 'توکن معتبر لازم است.',
  },
  FORBIDDEN: {
    status: 403,
    title: 'Forbidden',
    detail: 'Your role does not allow this operation on this resource.',
    detailFa: 'نقش شما اجازه این عملیات را روی این منبع نمی‌دهد.',
  },
  NOT_FOUND: {
    status: 404,
    title: 'Not found',
    // `reason: not_in_registry`: the person, not a contract or route, is what is missing.
    detail: (d) => (d.reason === 'not_in_registry' ? 'No person with this national code is in the civil registry.' : 'The resource does not exist.'),
    detailFa: (d) => (d.reason === 'not_in_registry' ? 'فردی با این کد ملی در ثبت احوال یافت نشد.' : 'منبع موردنظر وجود ندارد.'),
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    detail: 'This method is not allowed on this resource.',
    detailFa: 'این روش برای این منبع مجاز نیست.',
  },

  // Our side.
  SERVICE_UNAVAILABLE: {
    status: 503,
    title: 'Service unavailable',
    detail: 'The service is temporarily unavailable; retry later.',
    detailFa: 'سامانه موقتاً در دسترس نیست؛ بعداً تلاش کنید.',
  },
  AUDIT_CHAIN_BROKEN: {
    status: 500,
    title: 'Audit chain broken',
    detail: (d) =>
      `The audit chain ends at position ${String(d.position)}, before its checkpoint ${String(d.checkpoint)}: its newest events and their links are gone. Do not copy this head; run npm run audit -- verify.`,
    detailFa: (d) =>
      `زنجیره ممیزی در موقعیت ${toPersianDigits(String(d.position))}، پیش از نقطه ثبت خود (${toPersianDigits(String(d.checkpoint))})، پایان می‌یابد: تازه‌ترین رویدادها و پیوندهایشان از میان رفته‌اند. این سر زنجیره را رونوشت نکنید و npm run audit -- verify را اجرا کنید.`,
  },
  INTERNAL: {
    status: 500,
    title: 'Internal error',
    detail: 'An unexpected error occurred.',
    detailFa: 'خطای پیش‌بینی‌نشده‌ای رخ داد.',
  },
};

/** Stable per code, so clients and docs can link to it. */
export function problemType(code: PublicErrorCode): string {
  return `https://sso.example/problems/${code.toLowerCase()}`;
}

export function renderText(text: Text, details: Record<string, unknown>): string {
  return typeof text === 'function' ? text(details) : text;
}
