import { HttpException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyServerOptions } from 'fastify';
import { requestId } from './logging';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { problemOf, ProblemFilter } from './problem.filter';
import { createValidationPipe } from './validation';

/**
 * The HTTP conventions every app instance shares (main.ts and the specs' tiny apps). Create the
 * app with `{ bodyParser: false }` so Fastify's own JSON parser is the only one left after this:
 * JSON everywhere, any other body is a 415.
 */
export function configureHttp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  // Echo the request id so a client can quote it; logs carry the same id.
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
}

/**
 * Fastify's router answers a malformed URL (bad escape, over-long segment) itself, before Nest
 * sees the request: this makes those answers problems like every other.
 */
function frameworkError(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  const problem = problemOf(new HttpException(error.message, error.statusCode ?? 400, { cause: error }));
  void reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(problem);
}

/** Options for `new FastifyAdapter(...)` (spread, then set `bodyLimit` as the app needs). */
export const FASTIFY_OPTIONS = {
  genReqId: requestId,
  requestIdHeader: false,
  frameworkErrors: frameworkError,
} satisfies FastifyServerOptions;
