import { createHash } from 'node:crypto';
import {
  contractView,
  examSettled,
  jalaliFaOfIso,
  policyAt,
  toPersianDigits,
  type ContractState,
  type IsoDate,
} from '@app/contracts-domain';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const jalaliFa = (date: IsoDate | null) => (date ? jalaliFaOfIso(date) : '—');
const rialFa = (amount: number) => `${toPersianDigits(amount.toLocaleString('en-US').replace(/,/g, '٬'))} ریال`;

const STATUS_FA: Record<ContractState['status'], string> = {
  awaiting_payment: 'در انتظار پرداخت نخستین حق بیمه',
  active: 'فعال',
  payments_blocked: 'پرداخت متوقف (در انتظار تعیین تکلیف معاینات)',
  lapsed: 'باطل (عدم پرداخت نخستین حق بیمه در مهلت)',
  cancelled: 'لغوشده (عدم پرداخت حق بیمه)',
  terminated: 'خاتمه‌یافته',
};

/**
 * The print button's handler, a script of its own: under the document's policy an inline
 * `onclick` attribute would not run (it needs 'unsafe-inline' or 'unsafe-hashes').
 */
const PRINT_SCRIPT = "document.getElementById('print').addEventListener('click', () => window.print());";

/**
 * The document's Content-Security-Policy: it loads nothing, and runs only its own style and, by
 * its hash, the print script (the same on every response, so no nonce is needed).
 */
export const CONTRACT_DOCUMENT_CSP =
  `default-src 'none'; script-src 'sha256-${createHash('sha256').update(PRINT_SCRIPT).digest('base64')}'; ` +
  "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/**
 * The printable contract (directive point 1: "viewed and printed"): a self-contained Persian RTL
 * page with print CSS; Jalali dates and Persian digits throughout. Everything shown is escaped.
 */
export function renderContractDocument(state: ContractState, revision: number): string {
  const view = contractView(state, revision);
  // The regulation's figures as they were for this contract, never literals (they change yearly).
  const policy = policyAt(state.contractDate);
  const a = state.applicant;
  const exam =
    state.exam.requirement === 'exempt'
      ? 'بیمه‌شده بر اساس سوابق بیمه‌ای از معاینات پزشکی بدو قرارداد معاف است.'
      : `بیمه‌شده متعهد است حداکثر تا ${jalaliFa(state.exam.deadline)} (${toPersianDigits(policy.examMonths)} ماه از تاریخ قرارداد) با دریافت فرم معرفی، معاینات پزشکی را انجام دهد؛ در غیر این صورت پرداخت حق بیمه تا تعیین تکلیف شعبه متوقف می‌شود.`;
  // Until the exam is passed or cleared, inpatient cover follows the policy (default: not covered).
  const inpatientLater = !examSettled(state.exam) && policy.inpatientBeforeExam === 'not_covered';
  const rows: Array<[string, string]> = [
    ['شماره قرارداد', toPersianDigits(view.contractNumber)],
    ['تاریخ قرارداد', jalaliFa(view.contractDate)],
    ['نام و نام خانوادگی', `${a.firstName} ${a.lastName}`],
    ['کد ملی', toPersianDigits(a.nationalCode)],
    ['تاریخ تولد', jalaliFa(a.birthDate)],
    ['تلفن همراه', toPersianDigits(a.mobile)],
    ['نشانی', a.address],
    ['شعبه', toPersianDigits(view.branchId)],
    ['نحوه انعقاد', view.channel === 'online' ? 'غیرحضوری (درگاه خدمات الکترونیکی)' : 'حضوری در شعبه'],
    ['نرخ حق بیمه', `${toPersianDigits(Math.round(view.premiumRate * 100))}٪ دستمزد مبنا`],
    ['دستمزد مبنای پرداخت حق بیمه', rialFa(view.wageBasis)],
    ['حق بیمه ماهانه', rialFa(view.monthlyPremium)],
    ['تاریخ شروع بیمه‌پردازی', jalaliFa(view.startDate)],
    ['مهلت پرداخت نخستین حق بیمه', `${jalaliFa(view.paymentDeadline)} (${toPersianDigits(policy.firstPaymentDays)} روز از تاریخ قرارداد)`],
    ['پرداخت‌شده تا', jalaliFa(view.paidThrough)],
    ['وضعیت', STATUS_FA[view.status]],
  ];
  return `<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>قرارداد بیمه اختیاری ${escapeHtml(toPersianDigits(view.contractNumber))}</title>
<style>
  body { font-family: Vazirmatn, Tahoma, "Noto Naskh Arabic", sans-serif; margin: 2rem auto; max-width: 48rem; color: #111; line-height: 1.8; }
  h1 { font-size: 1.4rem; text-align: center; margin-bottom: .25rem; }
  p.subtitle { text-align: center; margin-top: 0; color: #333; }
  table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
  th, td { border: 1px solid #555; padding: .4rem .6rem; text-align: right; vertical-align: top; }
  th { background: #eee; width: 38%; font-weight: 600; }
  .obligation { border: 1px solid #555; padding: .6rem; }
  footer { margin-top: 2rem; font-size: .85rem; color: #333; }
  body { padding: 0 1rem; }
  /* One A4 sheet: the whole contract, the payment deadline included, on the page it is signed on. */
  @media print {
    body { margin: 0; padding: 0; max-width: none; font-size: 11pt; line-height: 1.5; }
    @page { size: A4; margin: 12mm 15mm; }
    table { margin: .5rem 0; }
    th, td { padding: .2rem .5rem; }
    h2 { font-size: 1.05rem; margin: .6rem 0 .3rem; }
    .obligation { padding: .4rem .6rem; margin: 0; }
    footer { margin-top: .8rem; }
    button { display: none; }
  }
</style>
</head>
<body>
<h1>قرارداد ادامه بیمه به طور اختیاری</h1>
<p class="subtitle">سازمان تأمین اجتماعی</p>
<table>
${rows.map(([k, v]) => `  <tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
<h2>تعهد معاینات پزشکی</h2>
<p class="obligation">${escapeHtml(exam)}</p>
<h2>مهلت پرداخت</h2>
<p class="obligation">${escapeHtml(`نخستین حق بیمه باید حداکثر تا ${jalaliFa(view.paymentDeadline)} پرداخت شود؛ در غیر این صورت قرارداد باطل می‌شود. با تأیید پرداخت توسط بانک عامل، استفاده از خدمات درمانی بلافاصله آغاز می‌شود${inpatientLater ? '؛ پوشش بستری پس از قبولی در معاینات پزشکی یا تأیید شعبه برقرار می‌شود' : ''}.`)}</p>
<footer>نسخه آیین‌نامه پذیرفته‌شده: ${escapeHtml(toPersianDigits(state.termsVersion))} — ویرایش ${escapeHtml(toPersianDigits(revision))}</footer>
<button type="button" id="print">چاپ</button>
<script>${PRINT_SCRIPT}</script>
</body>
</html>
`;
}
