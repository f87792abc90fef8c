import { applyDecorators, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { registerDecorator, type ValidationError, type ValidationOptions } from 'class-validator';
import { isValidNationalCode, normaliseMobile, toAsciiDigits } from '@app/contracts-domain';
import { ProblemException, type FieldError } from './problem';

/**
 * The global pipe: unknown fields are refused (not silently dropped, so a typo in an optional
 * field is not mistaken for "not given"), and DTOs arrive as class instances with the
 * normalisations below applied. Every failure is a 400 VALIDATION_FAILED listing each field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ProblemException('VALIDATION_FAILED', {}, fieldErrors(errors)),
  });
}

/** Flattens nested errors to one entry per failed rule, with a dotted path to the field. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent && error.property ? `${parent}.${error.property}` : parent || error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/**
 * A national code (کد ملی) with a valid check digit. Persian or Arabic digits and surrounding
 * spaces are accepted and normalised to ten ASCII digits before the check.
 */
export function IsNationalCode(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? toAsciiDigits(value).trim() : value)),
    rule('isNationalCode', (value) => typeof value === 'string' && isValidNationalCode(value), '$property must be a valid 10-digit national code', options),
  );
}

/**
 * An Iranian mobile number; 09…, +989… and 00989… forms (any digits, spaces or dashes) are
 * normalised to 09xxxxxxxxx. A value that cannot be normalised is kept as sent so the error names it.
 */
export function IsIranMobile(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? (normaliseMobile(value) ?? value) : value)),
    rule('isIranMobile', (value) => typeof value === 'string' && /^09\d{9}$/.test(value), '$property must be an Iranian mobile number (09xxxxxxxxx)', options),
  );
}

function rule(name: string, test: (value: unknown) => boolean, message: string, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message, ...options },
      validator: { validate: test },
    });
  };
}
