import { applyDecorators, ValidationPipe, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsUUID, isUUID, registerDecorator, type ValidationError, type ValidationOptions } from 'class-validator';
import { FIRST_SUPPORTED_NOW_DAY, isIsoDate, isIsoInstant, isSupportedNow, isValidNationalCode, jalaliOfIso, MAX_JALALI_YEAR, normaliseMobile, toAsciiDigits, toPersianDigits } from '@app/contracts-domain';
import { unstorableTextAt } from '@app/platform';
import { invalidField, ProblemException, type FieldError } from './problem';
import { persianRuleMessage, requiredFa, uuidFa, withFa } from './validation-messages-fa';

/**
 * The global pipe: unknown fields are refused (not silently dropped, so a typo in an optional
 * field is not mistaken for "not given"), and DTOs arrive as class instances with the
 * normalisations below applied. Every failure is a 400 VALIDATION_FAILED listing each field (the
 * first MAX_LISTED_ERRORS of them).
 */
export function createValidationPipe(): ValidationPipe {
  return new BoundedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // The value is read (a missing field is named as such), never put in an answer.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => validationProblem(fieldErrors(errors)),
  });
}

/** Field problems listed in one answer; the rest are counted (`errorsNotListed`), not listed. */
export const MAX_LISTED_ERRORS = 20;

/**
 * A 400 VALIDATION_FAILED listing at most MAX_LISTED_ERRORS field problems: a body of many bad or
 * unknown fields would otherwise be answered with one entry each (15 002 of them, 1.4 MB, for
 * 51 KB sent), the answer far larger than the question.
 */
function validationProblem(errors: FieldError[]): ProblemException {
  if (errors.length <= MAX_LISTED_ERRORS) return new ProblemException('VALIDATION_FAILED', {}, errors);
  return new ProblemException('VALIDATION_FAILED', { errorsNotListed: errors.length - MAX_LISTED_ERRORS }, errors.slice(0, MAX_LISTED_ERRORS));
}

const PART_FA: Record<string, string> = { body: 'بدنه درخواست', query: 'پارامترهای نشانی' };

const NATIONAL_CODE_FA = 'کد ملی باید ۱۰ رقم با رقم کنترل درست باشد';

/** Far deeper than any DTO (a document in a list in a command is 3 levels). */
const MAX_BODY_DEPTH = 32;

/**
 * Values (objects, arrays, strings, numbers…) a body or query may hold, each counted once. Far
 * above any DTO: the largest, a branch open with 10 documents, holds under 60.
 */
export const MAX_BODY_VALUES = 500;

/**
 * Before any DTO rule: class-transformer recurses once per level, and a body of ~1 300 nested
 * arrays (2.6 KB, well under the body limit) overflowed the stack, a 500. class-validator checks
 * every element of a list whatever its @ArrayMaxSize, and every unknown field is an error of its
 * own: 3 000 documents (51 KB) took 0.6 s of CPU, slowing every other request. And a NUL or a lone
 * surrogate in any text reached PostgreSQL, which refused the whole group of appends it was in
 * (a 500 for every command in the group). All are refused here as 400s.
 */
class BoundedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const shape = shapeProblem(value, MAX_BODY_DEPTH, MAX_BODY_VALUES);
      if (shape === 'depth') {
        throw invalidField('', `the ${metadata.type} is nested deeper than ${MAX_BODY_DEPTH} levels`, `${PART_FA[metadata.type]} بیش از ${toPersianDigits(MAX_BODY_DEPTH)} سطح تودرتو است`);
      }
      if (shape === 'size') {
        throw invalidField(
          '',
          `the ${metadata.type} has more than ${MAX_BODY_VALUES} values (fields and list items, at any depth)`,
          `${PART_FA[metadata.type]} بیش از ${toPersianDigits(MAX_BODY_VALUES)} مقدار (فیلد و عضو فهرست، در هر سطح) دارد`,
        );
      }
      const field = unstorableTextAt(value);
      if (field !== undefined) {
        throw invalidField(field, 'text must not contain NUL or unpaired surrogate characters', 'متن نباید نویسه NUL یا نیمه‌ای تنها از یک جفت جانشین (surrogate) داشته باشد');
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Whether `value` is nested deeper than `maxDepth` or holds more than `maxValues` values. Without
 * recursion, so the check itself cannot overflow, and it stops at the first limit passed.
 */
function shapeProblem(value: unknown, maxDepth: number, maxValues: number): 'depth' | 'size' | undefined {
  const pending: Array<[unknown, number]> = [[value, 0]];
  let values = 1;
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) return 'depth';
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (++values > maxValues) return 'size';
      pending.push([(node as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return undefined;
}

/**
 * Rules that say what a field is: when one fails, the others (a length, a range) are about a value
 * the field cannot have, and would mislead ("amount must not be greater than 10^12" for a string).
 */
const WHAT_IT_IS = new Set(['whitelistValidation', 'isDefined', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isObject', 'isArray', 'isUuid']);

/** Of a field's failed rules, the most basic ones: what it is, else whether it is empty, else the rest. */
function mostBasic(constraints: Record<string, string>): string[] {
  const rank = (rule: string) => (WHAT_IT_IS.has(rule) ? 0 : rule === 'isNotEmpty' ? 1 : 2);
  const rules = Object.keys(constraints);
  const first = Math.min(...rules.map(rank));
  return rules.filter((rule) => rank(rule) === first);
}

/** Flattens nested errors to a dotted path per field, with its most basic failed rules. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent && error.property ? `${parent}.${error.property}` : parent || error.property;
    // A required field left out fails every rule; say that, not the first rule's complaint.
    const missing = error.value === undefined && error.constraints !== undefined && !('whitelistValidation' in error.constraints);
    const own = missing
      ? [{ field, message: `${error.property} is required`, messageFa: requiredFa(error.property) }]
      : mostBasic(error.constraints ?? {}).map((rule) => {
          const message = error.constraints![rule]!;
          return { field, message, messageFa: persianRuleMessage(rule, error.property, message, error.contexts?.[rule]) };
        });
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/** Where "now" may be (`isSupportedNow`): the test clock's refusal and CLOCK_START's say it. */
export const SUPPORTED_NOW = `from ${FIRST_SUPPORTED_NOW_DAY} (${jalaliOfIso(FIRST_SUPPORTED_NOW_DAY)}, after Iran's last clock change) to the end of Jalali ${MAX_JALALI_YEAR - 1}`;
const SUPPORTED_NOW_FA = `از ${toPersianDigits(jalaliOfIso(FIRST_SUPPORTED_NOW_DAY))} (پس از آخرین تغییر ساعت رسمی ایران) تا پایان سال ${toPersianDigits(MAX_JALALI_YEAR - 1)} خورشیدی`;

/**
 * An instant the service's clock may be set to: ISO-8601 with its offset (`2026-12-22T08:00:00Z`),
 * or a date (its 00:00 UTC); not the basic or week forms ISO-8601 also allows, which `Date`
 * cannot read, nor a day the calendar lacks; from Iran's last clock change to the end of 1499.
 */
export function IsSupportedNow(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'isSupportedNow',
    (value) => (isIsoInstant(value) || isIsoDate(value)) && isSupportedNow(new Date(value)),
    withFa(
      `$property must be an ISO-8601 instant with its offset (e.g. 2026-12-22T08:00:00Z) or a date, ${SUPPORTED_NOW}`,
      `زمان باید به شکل ISO-8601 با منطقه زمانی (مانند 2026-12-22T08:00:00Z) یا یک تاریخ باشد، ${SUPPORTED_NOW_FA}`,
    ),
    options,
  );
}

/**
 * An instant as the domain reads one: ISO-8601 date and time with its offset, on a real day. Not
 * class-validator's IsISO8601, which also takes dates, week and ordinal forms and the basic format
 * (`20261201T080000Z`) that `Date` cannot read.
 */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'isInstant',
    isIsoInstant,
    withFa('$property must be an ISO-8601 instant with its offset (e.g. 2026-12-05T09:30:00Z)', 'زمان باید به شکل ISO-8601 با منطقه زمانی باشد (مانند 2026-12-05T09:30:00Z)'),
    options,
  );
}

/**
 * A national code (کد ملی) with a valid check digit. Persian or Arabic digits and surrounding
 * spaces are accepted and normalised to ten ASCII digits before the check.
 */
export function IsNationalCode(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? toAsciiDigits(value).trim() : value)),
    rule('isNationalCode', (value) => typeof value === 'string' && isValidNationalCode(value), withFa('$property must be a valid 10-digit national code', NATIONAL_CODE_FA), options),
  );
}

/**
 * An Iranian mobile number; 09…, +989… and 00989… forms (also +98 09…; any digits, spaces or dashes) are
 * normalised to 09xxxxxxxxx. A value that cannot be normalised is kept as sent so the error names it.
 */
export function IsIranMobile(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? (normaliseMobile(value) ?? value) : value)),
    rule(
      'isIranMobile',
      (value) => typeof value === 'string' && /^09\d{9}$/.test(value),
      withFa('$property must be an Iranian mobile number (09xxxxxxxxx)', 'شماره همراه باید شماره‌ای ایرانی به شکل 09xxxxxxxxx باشد'),
      options,
    ),
  );
}

function rule(name: string, test: (value: unknown) => boolean, messages: ReturnType<typeof withFa>, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { ...messages, ...options },
      validator: { validate: test },
    });
  };
}

/**
 * The body of a command that takes no fields: nothing, or an empty object. Anything else is
 * refused as a DTO's route refuses it (class-validator knows no rule of a class without fields,
 * so an empty DTO would refuse every body, the empty one too).
 */
export class NoFieldsPipe implements PipeTransform<unknown, undefined> {
  transform(value: unknown): undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw invalidField('', 'the body must be a JSON object, or nothing: this command takes no fields', 'بدنه درخواست باید یک شیء JSON یا خالی باشد: این فرمان فیلدی نمی‌گیرد');
    }
    const unknown = Object.keys(value);
    if (unknown.length === 0) return undefined;
    throw validationProblem(
      unknown.map((field) => {
        const message = `property ${field} should not exist`;
        return { field, message, messageFa: persianRuleMessage('whitelistValidation', field, message) };
      }),
    );
  }
}

/**
 * A UUID path parameter (a contract id), lowercased: UUIDs are case-insensitive, but stream ids
 * are stored lowercase, so `E260…` would not be found. Anything else is a field problem naming it.
 */
export class ParseIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !isUUID(value)) {
      const field = metadata.data ?? 'id';
      throw invalidField(field, `${field} must be a UUID`, uuidFa(field));
    }
    return value.toLowerCase();
  }
}

/** A UUID body field, lowercased like `ParseIdPipe`. */
export function IsId(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value)),
    IsUUID(undefined, options),
  );
}

/**
 * A national code in a path or query, normalised as `IsNationalCode` normalises a body's (Persian
 * or Arabic digits, surrounding spaces), then checked: the same person however the portal typed it.
 */
export class ParseNationalCodePipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    const code = typeof value === 'string' ? toAsciiDigits(value).trim() : '';
    if (!isValidNationalCode(code)) {
      throw invalidField(metadata.data ?? 'nationalCode', 'nationalCode must be a valid 10-digit national code', NATIONAL_CODE_FA);
    }
    return code;
  }
}
