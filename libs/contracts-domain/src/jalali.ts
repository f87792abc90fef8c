/**
 * Jalali (Solar Hijri) calendar and Iran local dates, written here so the domain has no
 * calendar dependency.
 *
 * Leap years follow the 33-year arithmetic cycle (a year is leap when `year mod 33` is one of
 * 1, 5, 9, 13, 17, 22, 26, 30). From 1210 to 1501 AP that cycle agrees day for day with ICU's
 * Persian calendar (checked in the spec); they part in 1502, so the supported range is 1210–1500
 * AP (1831-03-21 … 2122-03-20), which covers every birth date and contract the service meets.
 *
 * "Iran local time" is the fixed offset UTC+03:30: Iran abolished daylight saving time in 2022,
 * so "now" (contracts, payments, deadlines) may not be earlier than that (`isSupportedNow`).
 * Dates without a time are ISO strings `YYYY-MM-DD` (Gregorian) meaning an Iran civil day.
 */

export interface JalaliDate {
  readonly year: number;
  readonly month: number; // 1 = Farvardin … 12 = Esfand
  readonly day: number;
}

/** A Gregorian civil date, `YYYY-MM-DD`. */
export type IsoDate = string;

/** A Jalali calendar month (a billing period), `YYYY-MM`, e.g. `1405-09`. */
export type PeriodKey = string;

export const IRAN_UTC_OFFSET_MINUTES = 210;
export const MIN_JALALI_YEAR = 1210;
export const MAX_JALALI_YEAR = 1500;
/**
 * The first Iran day (1401/06/31) after the country's last clock change, the night before. On
 * earlier summer days the fixed offset would put the first hour of the day on the day before.
 */
export const FIRST_SUPPORTED_NOW_DAY: IsoDate = '2022-09-22';

const MS_PER_DAY = 86_400_000;
const IRAN_OFFSET_MS = IRAN_UTC_OFFSET_MINUTES * 60_000;
const LEAP_REMAINDERS = [1, 5, 9, 13, 17, 22, 26, 30];
const CYCLE_YEARS = 33;
// Anchor: 1 Farvardin 1404 (Nowruz) was 2025-03-21, epoch day 20168.
const ANCHOR_YEAR = 1404;
const ANCHOR_EPOCH_DAY = 20_168;
const FIRST_HALF_DAYS = 6 * 31;

export function isJalaliLeapYear(year: number): boolean {
  return LEAP_REMAINDERS.includes(mod(year, CYCLE_YEARS));
}

export function jalaliMonthLength(year: number, month: number): number {
  if (month <= 6) return 31;
  if (month <= 11) return 30;
  return isJalaliLeapYear(year) ? 30 : 29;
}

export function isValidJalaliDate(date: JalaliDate): boolean {
  const { year, month, day } = date;
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= MIN_JALALI_YEAR &&
    year <= MAX_JALALI_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= jalaliMonthLength(year, month)
  );
}

/** True for a real calendar date `YYYY-MM-DD` inside the supported range. */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const epochDay = toEpochDay(value);
  // A month or day out of range (2025-02-30, 2025-13-01) lands on another date.
  if (fromEpochDay(epochDay) !== value) return false;
  const { year } = epochDayToJalali(epochDay, false);
  return year >= MIN_JALALI_YEAR && year <= MAX_JALALI_YEAR;
}

export function gregorianToJalali(date: IsoDate): JalaliDate {
  return epochDayToJalali(toEpochDay(date), true);
}

export function jalaliToGregorian(date: JalaliDate): IsoDate {
  if (!isValidJalaliDate(date)) throw new RangeError(`not a supported Jalali date: ${JSON.stringify(date)}`);
  return fromEpochDay(yearStartEpochDay(date.year) + dayOfYear(date));
}

/** The Iran civil date on which an instant falls. */
export function iranDate(instant: Date): IsoDate {
  return fromEpochDay(Math.floor((instant.getTime() + IRAN_OFFSET_MS) / MS_PER_DAY));
}

/**
 * Whether "now" may be this instant: its Iran day lies between `FIRST_SUPPORTED_NOW_DAY` (Iran
 * time is the fixed offset from then on) and the end of Jalali 1499, the last supported year kept
 * to spare for what is computed forward from it (deadlines, up to 12 periods).
 */
export function isSupportedNow(instant: Date): boolean {
  const day = iranDate(instant);
  return day >= FIRST_SUPPORTED_NOW_DAY && day < jalaliToGregorian({ year: MAX_JALALI_YEAR, month: 1, day: 1 });
}

export function iranJalaliDate(instant: Date): JalaliDate {
  return gregorianToJalali(iranDate(instant));
}

/** The instant an Iran civil day begins (00:00 at UTC+03:30). */
export function iranDayStart(date: IsoDate): Date {
  return new Date(toEpochDay(date) * MS_PER_DAY - IRAN_OFFSET_MS);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromEpochDay(toEpochDay(date) + days);
}

/** Adds Jalali months; a day that does not exist in the target month becomes its last day. */
export function addJalaliMonths(date: JalaliDate, months: number): JalaliDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = mod(index, 12) + 1;
  return { year, month, day: Math.min(date.day, jalaliMonthLength(year, month)) };
}

/** Same as addJalaliMonths, on ISO dates. */
export function addJalaliMonthsIso(date: IsoDate, months: number): IsoDate {
  return jalaliToGregorian(addJalaliMonths(gregorianToJalali(date), months));
}

export function firstDayOfNextJalaliMonth(date: JalaliDate): JalaliDate {
  const next = addJalaliMonths({ ...date, day: 1 }, 1);
  return { ...next, day: 1 };
}

export function compareJalali(a: JalaliDate, b: JalaliDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function periodKeyOf(date: JalaliDate): PeriodKey {
  return `${date.year}-${pad2(date.month)}`;
}

export function isPeriodKey(value: unknown): value is PeriodKey {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}$/.test(value)) return false;
  return isValidJalaliDate({ ...parsePeriod(value), day: 1 });
}

export function addPeriods(period: PeriodKey, count: number): PeriodKey {
  return periodKeyOf(addJalaliMonths({ ...parsePeriod(period), day: 1 }, count));
}

/** Number of periods from `from` to `to` (0 when equal, negative when `to` is earlier). */
export function periodsBetween(from: PeriodKey, to: PeriodKey): number {
  const a = parsePeriod(from);
  const b = parsePeriod(to);
  return (b.year - a.year) * 12 + (b.month - a.month);
}

export function periodStart(period: PeriodKey): JalaliDate {
  return { ...parsePeriod(period), day: 1 };
}

export function periodEnd(period: PeriodKey): JalaliDate {
  const { year, month } = parsePeriod(period);
  return { year, month, day: jalaliMonthLength(year, month) };
}

/** `1405/09/10` (ASCII digits, as the API carries it). */
export function formatJalali(date: JalaliDate): string {
  return `${date.year}/${pad2(date.month)}/${pad2(date.day)}`;
}

/** `۱۴۰۵/۰۹/۱۰` (Persian digits, for what people read: SMS, printed contract). */
export function formatJalaliFa(date: JalaliDate): string {
  return toPersianDigits(formatJalali(date));
}

/** An ISO date's Jalali twin as the API carries it: `2026-12-01` → `1405/09/10` (none for none). */
export function jalaliOfIso(date: IsoDate): string;
export function jalaliOfIso(date: IsoDate | null): string | null;
export function jalaliOfIso(date: IsoDate | null): string | null {
  return date === null ? null : formatJalali(gregorianToJalali(date));
}

/** An ISO date as people read it (SMS, printed contract, problem texts): `۱۴۰۵/۰۹/۱۰`. */
export function jalaliFaOfIso(date: IsoDate): string {
  return formatJalaliFa(gregorianToJalali(date));
}

export function formatPeriodJalali(period: PeriodKey): string {
  const { year, month } = parsePeriod(period);
  return `${year}/${pad2(month)}`;
}

/** `1405-09` as `۱۴۰۵/۰۹`, as SMS texts and Persian error details write a month. */
export function formatPeriodJalaliFa(period: PeriodKey): string {
  return toPersianDigits(formatPeriodJalali(period));
}

export function toPersianDigits(input: string | number): string {
  // A loop, not a regex replace with a callback: every SMS text converts several numbers (4 × faster).
  const text = String(input);
  let persian = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    persian += code >= 0x30 && code <= 0x39 ? PERSIAN_DIGITS[code - 0x30] : text[i];
  }
  return persian;
}

const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';

function parsePeriod(period: PeriodKey): { year: number; month: number } {
  const [year, month] = period.split('-').map(Number);
  return { year, month };
}

function dayOfYear({ month, day }: JalaliDate): number {
  const monthOffset = month <= 7 ? (month - 1) * 31 : FIRST_HALF_DAYS + (month - 7) * 30;
  return monthOffset + day - 1;
}

/** Leap years in [0, year): eight per full cycle plus those early in the current one. */
function leapYearsBefore(year: number): number {
  const cycles = Math.floor(year / CYCLE_YEARS);
  const rest = mod(year, CYCLE_YEARS);
  let early = 0; // LEAP_REMAINDERS ascend
  while (early < LEAP_REMAINDERS.length && LEAP_REMAINDERS[early]! < rest) early++;
  return cycles * LEAP_REMAINDERS.length + early;
}

function yearStartEpochDay(year: number): number {
  return ANCHOR_EPOCH_DAY + 365 * (year - ANCHOR_YEAR) + leapYearsBefore(year) - leapYearsBefore(ANCHOR_YEAR);
}

function epochDayToJalali(epochDay: number, checkRange: boolean): JalaliDate {
  let year = ANCHOR_YEAR + Math.floor((epochDay - ANCHOR_EPOCH_DAY) / 365.2425);
  while (yearStartEpochDay(year + 1) <= epochDay) year++;
  while (yearStartEpochDay(year) > epochDay) year--;
  if (checkRange && (year < MIN_JALALI_YEAR || year > MAX_JALALI_YEAR)) {
    throw new RangeError(`date outside the supported Jalali years ${MIN_JALALI_YEAR}–${MAX_JALALI_YEAR}`);
  }
  const doy = epochDay - yearStartEpochDay(year);
  if (doy < FIRST_HALF_DAYS) return { year, month: Math.floor(doy / 31) + 1, day: (doy % 31) + 1 };
  const rest = doy - FIRST_HALF_DAYS;
  return { year, month: Math.floor(rest / 30) + 7, day: (rest % 30) + 1 };
}

/*
 * Gregorian dates to and from days since 1970-01-01 by arithmetic (H. Hinnant's
 * days_from_civil / civil_from_days, in 400-year eras that start on 1 March), not through
 * Date: a request converts dozens of dates, and split + Date.UTC + toISOString was 4 % of
 * the API's CPU under load (docs/performance.md).
 */
function toEpochDay(date: IsoDate): number {
  const month = digitsAt(date, 5, 2);
  const year = digitsAt(date, 0, 4) - (month <= 2 ? 1 : 0);
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + digitsAt(date, 8, 2) - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function fromEpochDay(epochDay: number): IsoDate {
  const days = epochDay + 719_468;
  const era = Math.floor(days / 146_097);
  const dayOfEra = days - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/** The number written with `length` ASCII digits from `start`. */
function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
