import fc from 'fast-check';
import {
  addDays,
  addJalaliMonths,
  addPeriods,
  firstDayOfNextJalaliMonth,
  formatJalali,
  formatJalaliFa,
  gregorianToJalali,
  iranDate,
  iranDayStart,
  isIsoDate,
  isSupportedNow,
  isJalaliLeapYear,
  isPeriodKey,
  jalaliMonthLength,
  jalaliToGregorian,
  periodEnd,
  periodKeyOf,
  periodsBetween,
  toPersianDigits,
} from './jalali';

const j = (year: number, month: number, day: number) => ({ year, month, day });

describe('Gregorian ↔ Jalali at known instants', () => {
  it.each([
    ['2026-12-01', j(1405, 9, 10)],
    ['2025-03-21', j(1404, 1, 1)], // Nowruz 1404
    ['2025-03-20', j(1403, 12, 30)], // 1403 is leap: Esfand has 30 days
    ['2026-03-20', j(1404, 12, 29)], // 1404 is not leap
    ['2026-03-21', j(1405, 1, 1)],
    ['2024-03-20', j(1403, 1, 1)],
    ['2029-03-20', j(1408, 1, 1)],
    ['2026-09-22', j(1405, 6, 31)],
    ['2026-09-23', j(1405, 7, 1)],
  ])('%s is %o', (iso, jalali) => {
    expect(gregorianToJalali(iso)).toEqual(jalali);
    expect(jalaliToGregorian(jalali)).toBe(iso);
  });

  it('knows the leap years around now', () => {
    expect([1399, 1403, 1408, 1412].every(isJalaliLeapYear)).toBe(true);
    expect([1400, 1401, 1402, 1404, 1405, 1406, 1407].some(isJalaliLeapYear)).toBe(false);
    expect(jalaliMonthLength(1403, 12)).toBe(30);
    expect(jalaliMonthLength(1404, 12)).toBe(29);
    expect(() => jalaliToGregorian(j(1404, 12, 30))).toThrow(RangeError);
  });
});

describe('Iran local time (UTC+03:30, no DST)', () => {
  it('puts 20:29:59Z on the same day and 20:30Z on the next', () => {
    expect(iranDate(new Date('2026-11-30T20:29:59.999Z'))).toBe('2026-11-30');
    expect(iranDate(new Date('2026-11-30T20:30:00.000Z'))).toBe('2026-12-01');
  });

  it('starts an Iran day at 20:30Z the day before, also in summer', () => {
    expect(iranDayStart('2026-12-01').toISOString()).toBe('2026-11-30T20:30:00.000Z');
    expect(iranDayStart('2026-07-01').toISOString()).toBe('2026-06-30T20:30:00.000Z');
  });
});

describe('Jalali arithmetic', () => {
  it('adds months and clamps the day', () => {
    expect(addJalaliMonths(j(1405, 6, 31), 1)).toEqual(j(1405, 7, 30));
    expect(addJalaliMonths(j(1403, 12, 30), 12)).toEqual(j(1404, 12, 29));
    expect(addJalaliMonths(j(1405, 11, 10), 2)).toEqual(j(1406, 1, 10));
    expect(addJalaliMonths(j(1405, 1, 10), -2)).toEqual(j(1404, 11, 10));
  });

  it('finds the first day of the next month across the year end', () => {
    expect(firstDayOfNextJalaliMonth(j(1405, 9, 10))).toEqual(j(1405, 10, 1));
    expect(firstDayOfNextJalaliMonth(j(1404, 12, 29))).toEqual(j(1405, 1, 1));
  });

  it('names, steps and ends periods', () => {
    expect(periodKeyOf(j(1405, 9, 10))).toBe('1405-09');
    expect(addPeriods('1405-09', 4)).toBe('1406-01');
    expect(periodsBetween('1405-09', '1406-01')).toBe(4);
    expect(periodEnd('1403-12')).toEqual(j(1403, 12, 30));
    expect(periodEnd('1405-07')).toEqual(j(1405, 7, 30));
    expect(isPeriodKey('1405-12')).toBe(true);
    expect(isPeriodKey('1405-13')).toBe(false);
  });

  it('adds days on ISO dates', () => {
    expect(addDays('2026-12-01', 20)).toBe('2026-12-21');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('checks ISO dates', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('1831-03-20')).toBe(false);
    expect(isIsoDate('1831-03-21')).toBe(true);
    expect(isIsoDate('2122-03-20')).toBe(true);
    expect(isIsoDate('2122-03-21')).toBe(false);
    expect(isIsoDate('2026-2-28')).toBe(false);
  });
});

describe('formatting', () => {
  it('formats with ASCII and Persian digits', () => {
    expect(formatJalali(j(1405, 9, 10))).toBe('1405/09/10');
    expect(formatJalaliFa(j(1405, 9, 10))).toBe('۱۴۰۵/۰۹/۱۰');
    expect(toPersianDigits(1234567890)).toBe('۱۲۳۴۵۶۷۸۹۰');
    expect(toPersianDigits('A-0019/x 5')).toBe('A-۰۰۱۹/x ۵');
  });
});

describe('properties', () => {
  // The whole supported range: 1 Farvardin 1210 (1831-03-21) … 29 Esfand 1500 (2122-03-20).
  const epochDays = fc.integer({ min: -50_690, max: 55_594 });
  const isoOf = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

  it('round-trips every day', () => {
    fc.assert(
      fc.property(epochDays, (day) => {
        const iso = isoOf(day);
        expect(jalaliToGregorian(gregorianToJalali(iso))).toBe(iso);
      }),
      { numRuns: 5_000 },
    );
  });

  it('moves one Jalali day per Gregorian day', () => {
    fc.assert(
      fc.property(epochDays, (day) => {
        const today = gregorianToJalali(isoOf(day));
        const tomorrow = gregorianToJalali(isoOf(day + 1));
        const expected =
          today.day < jalaliMonthLength(today.year, today.month)
            ? { ...today, day: today.day + 1 }
            : firstDayOfNextJalaliMonth(today);
        expect(tomorrow).toEqual(expected);
      }),
      { numRuns: 5_000 },
    );
  });

  it('adds days and starts Iran days as Date arithmetic does (the conversions use none)', () => {
    fc.assert(
      fc.property(epochDays, fc.integer({ min: -800, max: 800 }), (day, days) => {
        expect(addDays(isoOf(day), days)).toBe(isoOf(day + days));
        expect(iranDayStart(isoOf(day)).getTime()).toBe(day * 86_400_000 - 210 * 60_000);
        expect(iranDate(new Date(day * 86_400_000 + 12 * 3_600_000))).toBe(isoOf(day));
      }),
      { numRuns: 5_000 },
    );
  });

  it('accepts as ISO dates exactly the real calendar days of the range', () => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(fc.integer({ min: 1825, max: 2130 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
        const date = new Date(Date.UTC(y, m - 1, d));
        const real = m >= 1 && m <= 12 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
        const inRange = text >= '1831-03-21' && text <= '2122-03-20';
        expect(isIsoDate(text)).toBe(real && inRange);
      }),
      { numRuns: 5_000 },
    );
  });

  it('agrees with ICU’s Persian calendar (an independent implementation)', () => {
    const icu = new Intl.DateTimeFormat('en-u-ca-persian', {
      timeZone: 'UTC',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    fc.assert(
      fc.property(epochDays, (day) => {
        const parts = icu.formatToParts(new Date(day * 86_400_000));
        const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
        expect(gregorianToJalali(isoOf(day))).toEqual(j(part('year'), part('month'), part('day')));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('the instants "now" may be', () => {
  it('lies from 1401/06/31 (Iran time fixed since) to the end of Jalali 1499 by its Iran day (1500 is kept for what is computed forward)', () => {
    const start = (year: number) => iranDayStart(jalaliToGregorian(j(year, 1, 1)));
    const firstDay = iranDayStart(jalaliToGregorian(j(1401, 6, 31)));
    expect(firstDay.toISOString()).toBe('2022-09-21T20:30:00.000Z');
    expect(isSupportedNow(firstDay)).toBe(true);
    expect(isSupportedNow(new Date(firstDay.getTime() - 1))).toBe(false);
    // A summer instant under the old daylight time: Tehran's clocks read 1400/03/12 00:15, the fixed offset 1400/03/11.
    expect(isSupportedNow(new Date('2021-06-01T19:45:00Z'))).toBe(false);
    expect(isSupportedNow(start(1210))).toBe(false);
    expect(isSupportedNow(new Date(start(1500).getTime() - 1))).toBe(true);
    expect(isSupportedNow(start(1500))).toBe(false);
    expect(isSupportedNow(new Date('9999-12-31T00:00:00Z'))).toBe(false);
  });
});
