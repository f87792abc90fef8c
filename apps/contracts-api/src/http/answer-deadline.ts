import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem';

/**
 * How long handling a request may take before it is answered 503 (`reason: no_answer_in_time`,
 * Retry-After). A database or event store that stops answering without refusing (a hung server,
 * a network that drops packets) would otherwise hold the request, and its client, for good.
 */
export const ANSWER_DEADLINE_MS = 30_000;

/** On a handler (not a class): a route whose contract is to answer when its work is done, however long (the test clock's move fires what fell due). */
export const NoAnswerDeadline = () => RouteConfig({ noAnswerDeadline: true });

/**
 * Answers 503 once the deadline passes, in Fastify's hooks: a Nest interceptor would put every
 * request on Nest's slower rxjs path (measured: ~10 % of the HTTP mix). It counts from
 * `preHandler`, once the body is in: a client that stalls while sending it is the request
 * timeout's (408 `REQUEST_TIMEOUT`), not a server that hung. The handler is not stopped: a command
 * may still finish, and its retry under the same Idempotency-Key then finds its answer (or that
 * it is in progress); a failure after the 503 is still logged by the problem filter, which logs
 * every 5xx before it looks whether an answer went out.
 */
export function answerWithin(fastify: FastifyInstance, ms: number): void {
  const timers = new WeakMap<object, NodeJS.Timeout>();
  const clear = async (request: object) => clearTimeout(timers.get(request));
  fastify.addHook('preHandler', async (request, reply) => {
    if ((request.routeOptions.config as { noAnswerDeadline?: boolean } | undefined)?.noAnswerDeadline) return;
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return; // (not request.raw.destroyed: a request whose body was read is)
      const problem = problemFor('SERVICE_UNAVAILABLE', { reason: 'no_answer_in_time' });
      void reply.status(problem.status).header('Retry-After', '1').header('Content-Type', PROBLEM_CONTENT_TYPE).send(problem);
    }, ms);
    timer.unref();
    timers.set(request, timer);
  });
  fastify.addHook('onResponse', clear);
  fastify.addHook('onRequestAbort', clear); // the client went away: no answer to give, no reply to hold
}
