import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DatabaseError } from 'pg';
import { RevisionMismatch } from '@app/contracts-app';
import { DomainError } from '@app/contracts-domain';
import { isConnectionFailure } from '@app/platform';
import { ConcurrencyError, StoreUnavailableError } from '@app/event-store';
import type { ApiErrorCode } from './error-catalog';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemFor, type Problem } from './problem';
import { notAcceptedFa } from './validation-messages-fa';

/** Fastify's own request errors (body parsing happens before any Nest code runs). */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Any other HttpException (Nest's own, or a transport error Nest wrapped) by its status. */
const STATUS_CODES: Record<number, ApiErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * The one place an error becomes an HTTP answer: RFC 9457 problem+json for every error, whoever
 * threw it. Unknown errors are logged and answered with a bare 500 that leaks nothing.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = problemOf(exception);
    if (problem.status >= 500) this.logger.error({ err: exception, code: problem.code }, 'request failed');
    if (reply.raw.headersSent) return;
    if (problem.status === 401 && !reply.hasHeader('WWW-Authenticate')) reply.header('WWW-Authenticate', 'Bearer');
    // Both mean "the same request may succeed shortly": a lost race, the same key still in
    // progress, or a store that is restarting or electing a leader.
    if (problem.code === 'CONCURRENCY_CONFLICT' || problem.status === 503) reply.header('Retry-After', '1');
    reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(problem);
  }

}

/** The answer for any error (also used to keep a refusal for idempotent replays). */
export function problemOf(exception: unknown): Problem {
  if (exception instanceof ProblemException) return exception.problem();
  if (exception instanceof DomainError) return domainProblem(exception);
  if (exception instanceof RevisionMismatch) {
    // No tag of the If-Match could ever match (weak ones, ones we never send): say so, not just "stale".
    const never = exception.ifMatch.length === 0 ? { reason: 'tag_never_matches' } : {};
    return problemFor('PRECONDITION_FAILED', { currentRevision: exception.currentRevision, ...never });
  }
  if (exception instanceof ConcurrencyError) {
    // The stream id may name a person (reservation streams): not part of the answer.
    return problemFor('CONCURRENCY_CONFLICT');
  }
  if (exception instanceof HttpException) return httpProblem(exception);
  if (hasStatus(exception) && exception.statusCode === 503) return problemFor('SERVICE_UNAVAILABLE');
  // Fastify marks a body the client stopped sending (it went away, or the request timeout cut it) 400.
  if (hasStatus(exception) && exception.statusCode < 500) return problemFor(STATUS_CODES[exception.statusCode] ?? 'BAD_REQUEST');
  if (isUnavailable(exception)) return problemFor('SERVICE_UNAVAILABLE');
  return problemFor('INTERNAL');
}

/**
 * SQLSTATEs of a server that is unreachable, going away or out of a resource: connection
 * exceptions, shutdowns, and class 53 (disk full, out of memory, too many connections), which
 * pass once an operator or the load frees it.
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53...)$/;

/**
 * The event store or the database cannot be reached (a KurrentDB leader election, PostgreSQL
 * restarting, down, out of connections): a 503 the client may retry, not a 500. A retry is safe
 * even when the connection died around a commit: event ids derive from the command id, so a
 * command that did commit appends nothing the second time. An adapter says so with
 * `StoreUnavailableError`; pg's errors are recognised here, as they also come from queries outside
 * the event store (idempotency records, read models).
 */
function isUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  if (error instanceof StoreUnavailableError) return true;
  if (error instanceof DatabaseError) return typeof error.code === 'string' && UNAVAILABLE_SQLSTATE.test(error.code);
  if (isConnectionFailure(error)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isUnavailable(inner, depth + 1))) return true;
  return isUnavailable(error.cause, depth + 1);
}

function domainProblem(error: DomainError): Problem {
  if (error.code === 'INVALID_COMMAND') {
    // The domain's own check of a malformed command: a validation failure like the DTO's, naming
    // its field (with `messageFa`).
    const { field, messageFa } = error.details;
    const name = typeof field === 'string' ? field : '';
    return problemFor('INVALID_COMMAND', {}, [{ field: name, message: error.message, messageFa: typeof messageFa === 'string' ? messageFa : notAcceptedFa(name) }]);
  }
  return problemFor(error.code, error.details);
}

function httpProblem(exception: HttpException): Problem {
  const transportCode = fastifyCode(exception.cause);
  if (transportCode) return problemFor(FASTIFY_CODES[transportCode] ?? STATUS_CODES[exception.getStatus()] ?? 'BAD_REQUEST');
  const status = exception.getStatus();
  return problemFor(STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'));
}

function fastifyCode(cause: unknown): string | undefined {
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string' && cause.code.startsWith('FST_')) {
    return cause.code;
  }
  return undefined;
}

/**
 * A transport error Nest left unwrapped: a handler timeout (503), a body that stopped arriving
 * (400). Not `instanceof Error`: Node's own errors may come from another realm (jest's sandbox).
 */
function hasStatus(error: unknown): error is { statusCode: number } {
  return typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number';
}
