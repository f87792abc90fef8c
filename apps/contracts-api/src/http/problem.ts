import { HttpException } from '@nestjs/common';
import { ERROR_CATALOG, problemType, publicCode, renderText, type ApiErrorCode } from './error-catalog';

export interface FieldError {
  /** Dotted path into the body or query, e.g. `confirm.premiumRate` or `documents.0.kind`. */
  field: string;
  message: string;
  /** The same in Persian, for the portal to show. */
  messageFa: string;
}

/** RFC 9457 problem details, plus our stable `code`, a Persian detail and occurrence details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  detailFa: string;
  errors?: FieldError[];
  [detail: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * Builds the body for a code. Occurrence details (e.g. `reasons`, `minPremium`) are spread in
 * first so they can never overwrite the fields every problem has.
 */
export function problemFor(code: ApiErrorCode, details: Record<string, unknown> = {}, errors?: FieldError[]): Problem {
  const shown = publicCode(code);
  const entry = ERROR_CATALOG[shown];
  return {
    ...details,
    type: problemType(shown),
    title: entry.title,
    status: entry.status,
    code: shown,
    detail: renderText(entry.detail, details),
    detailFa: renderText(entry.detailFa, details),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/**
 * Thrown by the HTTP layer (guard, pipe, handlers) for refusals that are not the domain's:
 * 401/403, validation, 412 If-Match, idempotency reuse, 404, 409 active contract, 503.
 * It is an HttpException so Nest treats it as an expected client error.
 */
export class ProblemException extends HttpException {
  constructor(
    readonly code: ApiErrorCode,
    readonly details: Record<string, unknown> = {},
    readonly errors?: FieldError[],
  ) {
    super(problemFor(code, details, errors), ERROR_CATALOG[publicCode(code)].status);
    this.name = 'ProblemException';
  }

  problem(): Problem {
    return problemFor(this.code, this.details, this.errors);
  }
}

/**
 * A refusal that may not hold for long, answered but never kept as an Idempotency-Key's answer
 * (`CommandResponder`): a retry under the key is decided again.
 */
export class TransientRefusal extends ProblemException {}

/** A 400 VALIDATION_FAILED about one field, said in English and Persian. */
export function invalidField(field: string, message: string, messageFa: string): ProblemException {
  return new ProblemException('VALIDATION_FAILED', {}, [{ field, message, messageFa }]);
}
