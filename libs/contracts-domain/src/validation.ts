/** Input checks the regulation defines; pure, so the API's DTOs and the domain agree. */
import { isIsoDate } from './jalali';

const PERSIAN_ZERO = 0x06f0; // ۰
const ARABIC_INDIC_ZERO = 0x0660; // ٠

/** Maps Persian (۰–۹) and Arabic-Indic (٠–٩) digits to ASCII; other characters are kept. */
export function toAsciiDigits(input: string): string {
  return input.replace(/[\u06f0-\u06f9\u0660-\u0669]/g, (ch) => {
    const cp = ch.charCodeAt(0);
    const base = cp >= PERSIAN_ZERO ? PERSIAN_ZERO : ARABIC_INDIC_ZERO;
    return String(cp - base);
  });
}

/**
 * Iranian national code (کد ملی): ten digits, the last is a check digit over the first nine
 * with weights 10..2; r = sum mod 11; check = r when r < 2, else 11 − r. Ten equal digits
 * pass that arithmetic but are never issued, so they are rejected.
 */
export function isValidNationalCode(code: string): boolean {
  if (!/^\d{10}$/.test(code)) return false;
  if (/^(\d)\1{9}$/.test(code)) return false;
  const digits = [...code].map(Number);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += digits[i] * (10 - i);
  const r = sum % 11;
  const check = r < 2 ? r : 11 - r;
  return digits[9] === check;
}

/**
 * Accepts an Iranian mobile as 09xxxxxxxxx, +989xxxxxxxxx or 00989xxxxxxxxx, also with the local 0
 * kept after the country code (+98 0912…, as people often write it); ASCII, Persian or Arabic
 * digits, spaces and dashes ignored. Returns the canonical 09xxxxxxxxx, or null.
 */
export function normaliseMobile(input: string): string | null {
  const compact = toAsciiDigits(input).replace(/[\s-]/g, '');
  const match = /^(?:(?:\+98|0098)0?|0)(9\d{9})$/.exec(compact);
  return match ? `0${match[1]}` : null;
}

/** Amounts are positive integer rial. */
export function isPositiveRial(amount: unknown): amount is number {
  return typeof amount === 'number' && Number.isSafeInteger(amount) && amount > 0;
}

/**
 * An ISO-8601 instant with its offset (`2026-12-05T09:30:00Z`) that names a real moment: on a
 * real calendar day (`Date` alone would roll 2026-02-30 over into March).
 */
export function isIsoInstant(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    isIsoDate(value.slice(0, 10)) &&
    !Number.isNaN(Date.parse(value))
  );
}
