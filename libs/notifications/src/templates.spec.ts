import { MAX_PARTS, TEMPLATES, dateFa, rialFa, smsParts, texts } from './templates';

describe('SMS templates: Persian digits, Jalali dates, at most two SMS parts', () => {
  it('writes Jalali dates with Persian digits, across month and year boundaries', () => {
    expect(dateFa('2026-12-01')).toBe('۱۴۰۵/۰۹/۱۰');
    expect(dateFa('2026-12-21')).toBe('۱۴۰۵/۰۹/۳۰'); // last day of Azar
    expect(dateFa('2026-12-22')).toBe('۱۴۰۵/۱۰/۰۱'); // first of Dey
    expect(dateFa('2027-03-20')).toBe('۱۴۰۵/۱۲/۲۹'); // last day of 1405 (not a leap year)
    expect(dateFa('2027-03-21')).toBe('۱۴۰۶/۰۱/۰۱'); // Nowruz
  });

  it('writes rial amounts with Persian digits and the Persian thousands separator', () => {
    expect(rialFa(30_000_000)).toBe('۳۰٬۰۰۰٬۰۰۰');
    expect(rialFa(999)).toBe('۹۹۹');
    expect(rialFa(1_000)).toBe('۱٬۰۰۰');
  });

  it('counts UCS-2 parts: 70 characters in one SMS, 67 per part beyond', () => {
    expect(smsParts('س'.repeat(70))).toBe(1);
    expect(smsParts('س'.repeat(71))).toBe(2);
    expect(smsParts('س'.repeat(134))).toBe(2);
    expect(smsParts('س'.repeat(135))).toBe(3);
  });

  it('pins the contract-concluded text: number, date, monthly premium, payment deadline', () => {
    expect(texts.contractConcluded({ contractNumber: '1405000001', contractDate: '2026-12-01', monthlyPremium: 30_000_000, paymentDeadline: '2026-12-21' })).toBe(
      'قرارداد بیمه اختیاری ۱۴۰۵۰۰۰۰۰۱ در ۱۴۰۵/۰۹/۱۰ منعقد شد. حق بیمه ماهانه ۳۰٬۰۰۰٬۰۰۰ ریال، مهلت پرداخت اول ۱۴۰۵/۰۹/۳۰. تأمین اجتماعی',
    );
  });

  it('pins a deadline that crosses Nowruz into the next Jalali year', () => {
    expect(texts.contractConcluded({ contractNumber: '1405000002', contractDate: '2027-03-06', monthlyPremium: 28_056_115, paymentDeadline: '2027-03-26' })).toBe(
      'قرارداد بیمه اختیاری ۱۴۰۵۰۰۰۰۰۲ در ۱۴۰۵/۱۲/۱۵ منعقد شد. حق بیمه ماهانه ۲۸٬۰۵۶٬۱۱۵ ریال، مهلت پرداخت اول ۱۴۰۶/۰۱/۰۶. تأمین اجتماعی',
    );
  });

  it('names one month, or the first and last of several, in a payment confirmation', () => {
    expect(texts.paymentConfirmed({ contractNumber: '1405000001', periods: ['1405-12'], paidThrough: '2027-03-20' })).toBe(
      'پرداخت حق بیمه قرارداد ۱۴۰۵۰۰۰۰۰۱ برای ماه ۱۴۰۵/۱۲ ثبت شد؛ حق بیمه تا ۱۴۰۵/۱۲/۲۹ پرداخت شده است. تأمین اجتماعی',
    );
    expect(texts.paymentConfirmed({ contractNumber: '1405000001', periods: ['1405-12', '1406-01', '1406-02'], paidThrough: '2027-05-21' })).toBe(
      'پرداخت حق بیمه قرارداد ۱۴۰۵۰۰۰۰۰۱ برای ماه‌های ۱۴۰۵/۱۲ تا ۱۴۰۶/۰۲ ثبت شد؛ حق بیمه تا ۱۴۰۶/۰۲/۳۱ پرداخت شده است. تأمین اجتماعی',
    );
  });

  it('fits every template in two parts with the longest values it can carry', () => {
    // Ten-digit amounts are far above today's maximum premium (about 196 million rial): headroom for years of wage rises.
    const longest = { contractNumber: '9999999999', monthlyPremium: 9_999_999_999, wageBasis: 9_999_999_999, examDeadline: '2027-03-20' };
    const all = {
      contract_concluded: texts.contractConcluded({ ...longest, contractDate: '2027-03-20', paymentDeadline: '2027-04-09' }),
      exam_required: texts.examRequired(longest),
      payment_reminder: texts.paymentReminder({ ...longest, paymentDeadline: '2027-04-09' }),
      exam_reminder: texts.examReminder(longest),
      payment_confirmed: texts.paymentConfirmed({ ...longest, periods: ['1405-12', '1406-11'], paidThrough: '2028-02-19' }),
      exam_overdue: texts.examOverdue(longest),
      exam_cleared: texts.examCleared(longest),
      wage_changed: texts.wageChanged(longest),
      contract_lapsed: texts.contractLapsed({ ...longest, paymentDeadline: '2027-04-09' }),
      contract_cancelled: texts.contractCancelled({ ...longest, lastPaidPeriod: '1405-12' }),
      contract_terminated: texts.contractTerminated(longest),
    } satisfies Record<(typeof TEMPLATES)[number], string>;
    for (const [template, text] of Object.entries(all)) {
      // Named per template, so a failure says which text grew too long.
      expect({ template, fitsTwoParts: text.length <= 134 && smsParts(text) <= MAX_PARTS }).toEqual({ template, fitsTwoParts: true });
      expect(text).not.toMatch(/[0-9]/); // Persian digits only
      expect({ template, signed: text.endsWith('تأمین اجتماعی') }).toEqual({ template, signed: true });
    }
    // Terminated after a failed exam or an overdue one alike: the text claims no exam result.
    expect(all.contract_terminated).not.toContain('نتیجه');
  });
});
