import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { throwError, timeout, type Observable } from 'rxjs';
import { ProblemException } from './problem';

/**
 * How long handling a request may take before it is answered 503 (`reason: no_answer_in_time`,
 * Retry-After). A database or event store that stops answering without refusing (a hung server,
 * a network that drops packets) would otherwise hold the request, and its client, for good. The
 * longest legitimate handling, a manual clock move that fires many deadlines, takes seconds.
 */
export const ANSWER_DEADLINE_MS = 30_000;

/**
 * Answers 503 once the deadline passes. The handler is not stopped: a command may still finish,
 * and its retry under the same Idempotency-Key then finds its answer (or that it is in progress).
 */
@Injectable()
export class AnswerDeadline implements NestInterceptor {
  constructor(private readonly ms: number) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      timeout({ first: this.ms, with: () => throwError(() => new ProblemException('SERVICE_UNAVAILABLE', { reason: 'no_answer_in_time' })) }),
    );
  }
}
