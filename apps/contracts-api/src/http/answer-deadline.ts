import { Injectable, Logger, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { shareReplay, throwError, timeout, type Observable } from 'rxjs';
import { ProblemException } from './problem';

/**
 * How long handling a request may take before it is answered 503 (`reason: no_answer_in_time`,
 * Retry-After). A database or event store that stops answering without refusing (a hung server,
 * a network that drops packets) would otherwise hold the request, and its client, for good.
 */
export const ANSWER_DEADLINE_MS = 30_000;

const WITHOUT_DEADLINE = 'answer-deadline:none';

/** A route whose contract is to answer when its work is done, however long (the test clock's move fires what fell due). */
export const NoAnswerDeadline = () => SetMetadata(WITHOUT_DEADLINE, true);

/**
 * Answers 503 once the deadline passes. The handler is not stopped: a command may still finish,
 * and its retry under the same Idempotency-Key then finds its answer (or that it is in progress).
 * What it ends in after the 503 is logged, since no one else hears it.
 */
@Injectable()
export class AnswerDeadline implements NestInterceptor {
  private readonly logger = new Logger('AnswerDeadline');
  private readonly reflector = new Reflector();

  constructor(private readonly ms: number) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.getAllAndOverride<boolean>(WITHOUT_DEADLINE, [context.getHandler(), context.getClass()])) return next.handle();
    // Shared and kept subscribed: the handling goes on past the 503, and its failure is still heard.
    const handling = next.handle().pipe(shareReplay({ bufferSize: 1, refCount: false }));
    let answered = false;
    handling.subscribe({
      error: (error: unknown) => {
        if (answered) this.logger.error({ err: error }, 'request failed after it was answered 503 (no answer in time)');
      },
    });
    return handling.pipe(
      timeout({
        first: this.ms,
        with: () => {
          answered = true;
          return throwError(() => new ProblemException('SERVICE_UNAVAILABLE', { reason: 'no_answer_in_time' }));
        },
      }),
    );
  }
}
