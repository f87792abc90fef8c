import { isIsoInstant, isPositiveRial, isValidNationalCode, normaliseMobile, toAsciiDigits } from './validation';

describe('national code', () => {
  it.each(['0499370899', '0790419904', '0084575948', '1111111121'])('accepts %s', (code) => {
    expect(isValidNationalCode(code)).toBe(true);
  });

  it.each([
    ['wrong check digit', '0499370898'],
    ['ten equal digits', '1111111111'],
    ['ten zeros', '0000000000'],
    ['nine digits', '049937089'],
    ['eleven digits', '04993708990'],
    ['letters', '04993708a9'],
    ['Persian digits (normalise first)', '۰۴۹۹۳۷۰۸۹۹'],
  ])('rejects %s', (_why, code) => {
    expect(isValidNationalCode(code)).toBe(false);
  });

  it('uses check = r when r < 2 and 11 − r otherwise', () => {
    expect(isValidNationalCode('0000000140')).toBe(true); // sum 11, r = 0 → check 0
    expect(isValidNationalCode('0000000061')).toBe(true); // sum 12, r = 1 → check 1
    expect(isValidNationalCode('0000000019')).toBe(true); // sum 2, r = 2 → check 9
    expect(isValidNationalCode('0000000141')).toBe(false);
  });
});

describe('mobile', () => {
  it.each([
    ['09121234567', '09121234567'],
    ['+989121234567', '09121234567'],
    ['00989121234567', '09121234567'],
    ['0912 123 4567', '09121234567'],
    ['۰۹۱۲۱۲۳۴۵۶۷', '09121234567'],
    ['٠٩١٢١٢٣٤٥٦٧', '09121234567'],
    ['+۹۸۹۱۲۱۲۳۴۵۶۷', '09121234567'],
    ['+98 0912 123 4567', '09121234567'],
    ['009809121234567', '09121234567'],
  ])('normalises %s', (input, expected) => {
    expect(normaliseMobile(input)).toBe(expected);
  });

  it.each(['9121234567', '0812123456', '091212345678', '+98912123456', '0098812123456', '+9800912123456', '98 9121234567', '', 'abc'])(
    'rejects %s',
    (input) => {
      expect(normaliseMobile(input)).toBeNull();
    },
  );
});

describe('digits and amounts', () => {
  it('maps Persian and Arabic digits to ASCII', () => {
    expect(toAsciiDigits('۱۴۰۵/۰۹/۱۰ ٢٣')).toBe('1405/09/10 23');
  });

  it('accepts only positive safe integers as rial', () => {
    expect(isPositiveRial(1)).toBe(true);
    expect(isPositiveRial(0)).toBe(false);
    expect(isPositiveRial(-5)).toBe(false);
    expect(isPositiveRial(1.5)).toBe(false);
    expect(isPositiveRial('10')).toBe(false);
    expect(isPositiveRial(2 ** 53)).toBe(false);
  });
});

describe('instants', () => {
  it('takes an ISO-8601 instant with its offset on a real day, nothing else', () => {
    for (const ok of ['2026-12-05T09:30:00Z', '2026-12-05T09:30Z', '2026-12-05T13:00:00.123+03:30', '2024-02-29T00:00:00Z']) expect([ok, isIsoInstant(ok)]).toEqual([ok, true]);
    // Date alone rolls the impossible days over into the next month.
    for (const bad of ['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-12-05', '2026-12-05T09:30:00', '20261205T093000Z', '2026-12-05T25:00:00Z', 5]) {
      expect([bad, isIsoInstant(bad)]).toEqual([bad, false]);
    }
  });
});
