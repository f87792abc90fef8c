/**
 * The SMS texts, in Persian with Persian digits and Jalali dates. Persian needs UCS-2, so a single
 * SMS holds 70 characters and each part of a concatenated one 67: every text here stays within
 * two parts (134 characters) for the longest values it can carry (the spec checks it).
 */
import { formatPeriodJalaliFa, jalaliFaOfIso, toPersianDigits, type IsoDate, type PeriodKey } from '@app/contracts-domain';

export const TEMPLATES = [
  'contract_concluded',
  'exam_required',
  'payment_reminder',
  'exam_reminder',
  'payment_confirmed',
  'exam_overdue',
  'exam_cleared',
  'wage_changed',
  'contract_lapsed',
  'contract_cancelled',
  'contract_terminated',
] as const;

export type Template = (typeof TEMPLATES)[number];

const SIGNATURE = 'تأمین اجتماعی';
const SINGLE_PART = 70;
const PER_PART = 67;
export const MAX_PARTS = 2;

/** How many SMS parts a UCS-2 text takes (JS string length counts UTF-16 units, as UCS-2 does). */
export function smsParts(text: string): number {
  return text.length <= SINGLE_PART ? 1 : Math.ceil(text.length / PER_PART);
}

/** `۱۲٬۳۴۵٬۶۷۸` — rial amounts with the Persian thousands separator. */
export function rialFa(amount: number): string {
  return toPersianDigits(String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '٬'));
}

export const dateFa = jalaliFaOfIso;
const periodFa = formatPeriodJalaliFa;
const numberFa = (contractNumber: string): string => toPersianDigits(contractNumber);

export const texts = {
  contractConcluded: (p: { contractNumber: string; contractDate: IsoDate; monthlyPremium: number; paymentDeadline: IsoDate }) =>
    `قرارداد بیمه اختیاری ${numberFa(p.contractNumber)} در ${dateFa(p.contractDate)} منعقد شد. ` +
    `حق بیمه ماهانه ${rialFa(p.monthlyPremium)} ریال، مهلت پرداخت اول ${dateFa(p.paymentDeadline)}. ${SIGNATURE}`,

  examRequired: (p: { contractNumber: string; examDeadline: IsoDate }) =>
    // The referral is issued once the first premium is paid (decide: first_payment_missing).
    `قرارداد ${numberFa(p.contractNumber)}: پس از پرداخت اول، فرم معرفی بگیرید و تا ${dateFa(p.examDeadline)} معاینه شوید؛ ` +
    `وگرنه پرداخت حق بیمه متوقف می‌شود. ${SIGNATURE}`,

  paymentReminder: (p: { contractNumber: string; paymentDeadline: IsoDate }) =>
    `یادآوری: مهلت پرداخت اول حق بیمه قرارداد ${numberFa(p.contractNumber)} تا ${dateFa(p.paymentDeadline)} است؛ ` +
    `بدون پرداخت، قرارداد باطل می‌شود. ${SIGNATURE}`,

  examReminder: (p: { contractNumber: string; examDeadline: IsoDate }) =>
    `یادآوری: معاینات پزشکی قرارداد ${numberFa(p.contractNumber)} را تا ${dateFa(p.examDeadline)} انجام دهید؛ ` +
    `وگرنه پرداخت حق بیمه متوقف می‌شود. ${SIGNATURE}`,

  paymentConfirmed: (p: { contractNumber: string; periods: readonly PeriodKey[]; paidThrough: IsoDate }) => {
    const first = p.periods[0]!;
    const last = p.periods[p.periods.length - 1]!;
    const months = first === last ? `ماه ${periodFa(first)}` : `ماه‌های ${periodFa(first)} تا ${periodFa(last)}`;
    return (
      // What was paid, not "cover in force": inpatient cover may await the exam, and cover also
      // depends on the next premium (docs/domain.md, "Cover and slips").
      `پرداخت حق بیمه قرارداد ${numberFa(p.contractNumber)} برای ${months} ثبت شد؛ ` +
      `حق بیمه تا ${dateFa(p.paidThrough)} پرداخت شده است. ${SIGNATURE}`
    );
  },

  examOverdue: (p: { contractNumber: string }) =>
    `مهلت معاینات پزشکی قرارداد ${numberFa(p.contractNumber)} گذشت و پرداخت حق بیمه متوقف شد. ` +
    `برای تعیین تکلیف به شعبه مراجعه کنید. ${SIGNATURE}`,

  examCleared: (p: { contractNumber: string }) =>
    // A branch may clear a failed exam (payments then limited to the exam window) or an overdue one
    // (payments stopped): it decided, it did not confirm a result, and the limit is lifted either way.
    `شعبه درباره معاینات پزشکی قرارداد ${numberFa(p.contractNumber)} تعیین تکلیف کرد و محدودیت پرداخت حق بیمه برداشته شد. ${SIGNATURE}`,

  wageChanged: (p: { contractNumber: string; wageBasis: number; monthlyPremium: number }) =>
    `دستمزد مبنای قرارداد ${numberFa(p.contractNumber)} به ${rialFa(p.wageBasis)} ریال و ` +
    `حق بیمه ماهانه به ${rialFa(p.monthlyPremium)} ریال تغییر کرد. ${SIGNATURE}`,

  contractLapsed: (p: { contractNumber: string; paymentDeadline: IsoDate }) =>
    `قرارداد بیمه اختیاری ${numberFa(p.contractNumber)} به دلیل پرداخت نشدن حق بیمه تا ${dateFa(p.paymentDeadline)} باطل شد. ${SIGNATURE}`,

  contractCancelled: (p: { contractNumber: string; lastPaidPeriod: PeriodKey }) =>
    `قرارداد بیمه اختیاری ${numberFa(p.contractNumber)} به دلیل پرداخت نشدن حق بیمه پس از ماه ${periodFa(p.lastPaidPeriod)} لغو شد. ${SIGNATURE}`,

  contractTerminated: (p: { contractNumber: string }) =>
    // After a failed exam or an overdue one alike: the branch decided, on the medical exam.
    `قرارداد بیمه اختیاری ${numberFa(p.contractNumber)} با تصمیم شعبه درباره معاینات پزشکی خاتمه یافت. ${SIGNATURE}`,
};
