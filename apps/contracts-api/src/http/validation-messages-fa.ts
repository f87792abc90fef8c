/**
 * Persian twins of class-validator's messages, for `errors[].messageFa`: the portal shows Persian.
 * class-validator gives a failed rule's English message only, so its limit (a maximum, a length,
 * the allowed values) is read back from that message; field names and allowed values stay as the
 * JSON spells them. A rule with a message of our own carries its Persian in its `context`
 * (`withFa`). `validation-messages-fa.spec.ts` holds every rule our DTOs use to one or the other.
 */
type PersianRule = (field: string, english: string) => string;

/** What follows `marker` in the English message (a limit, a list), or the message whole. */
const after = (english: string, marker: RegExp): string => marker.exec(english)?.[1] ?? english;

/** A number in Persian digits with Persian grouping; anything else as it is. */
function persianNumber(text: string): string {
  return /^\d+$/.test(text) ? Number(text).toLocaleString('fa-IR') : text;
}

export const PERSIAN_RULES: Readonly<Record<string, PersianRule>> = {
  whitelistValidation: (field) => `فیلد «${field}» شناخته‌شده نیست و نباید فرستاده شود`,
  isString: (field) => `«${field}» باید متن باشد`,
  isInt: (field) => `«${field}» باید عدد صحیح باشد`,
  isNumber: (field) => `«${field}» باید عدد باشد`,
  isBoolean: (field) => `«${field}» باید true یا false باشد`,
  isObject: (field) => `«${field}» باید یک شیء JSON باشد`,
  isArray: (field) => `«${field}» باید یک فهرست باشد`,
  isUuid: (field) => uuidFa(field),
  isNotEmpty: (field) => `«${field}» نباید خالی باشد`,
  isPositive: (field) => `«${field}» باید عددی مثبت باشد`,
  max: (field, english) => `«${field}» نباید بیشتر از ${persianNumber(after(english, /greater than (\S+)$/))} باشد`,
  min: (field, english) => `«${field}» نباید کمتر از ${persianNumber(after(english, /less than (\S+)$/))} باشد`,
  maxLength: (field, english) => `«${field}» نباید بیش از ${persianNumber(after(english, /equal to (\d+) characters/))} نویسه باشد`,
  arrayMaxSize: (field, english) => `«${field}» نباید بیش از ${persianNumber(after(english, /no more than (\d+) elements/))} مورد داشته باشد`,
  isIn: (field, english) => `«${field}» باید یکی از این مقدارها باشد: ${after(english, /following values: (.*)$/)}`,
  isIso8601: (field) => `«${field}» باید تاریخ یا زمانی به شکل ISO-8601 باشد`,
  nestedValidation: (field) => `«${field}» باید یک شیء JSON یا فهرستی از آن باشد`,
  unknownValue: () => 'بدنه درخواست یک شیء JSON نیست',
};

/** Options giving a rule our own message in both languages; `fieldErrors` reads the Persian back. */
export function withFa(message: string, messageFa: string): { message: string; context: { messageFa: string } } {
  return { message, context: { messageFa } };
}

/** The Persian message of a failed rule; a rule without one (the spec forbids it) still names the field. */
export function persianRuleMessage(rule: string, field: string, english: string, context?: unknown): string {
  const own = (context as { messageFa?: unknown } | undefined)?.messageFa;
  if (typeof own === 'string') return own;
  return PERSIAN_RULES[rule]?.(field, english) ?? notAcceptedFa(field);
}

/** A field's value refused, for a rule without words of its own. */
export const notAcceptedFa = (field: string): string => `مقدار «${field}» پذیرفته نیست`;

/** A field left out. */
export const requiredFa = (field: string): string => `«${field}» الزامی است`;

/** An id that is not a UUID (a body field, a path or a query parameter). */
export const uuidFa = (field: string): string => `«${field}» باید شناسه‌ای به شکل UUID باشد`;
