import type { FastifyServerOptions } from 'fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { requestId } from './logging';
import { ProblemFilter } from './problem.filter';
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

/** Options for `new FastifyAdapter(...)`: our request ids, and an explicit 1 MiB body limit. */
export const FASTIFY_OPTIONS = {
  genReqId: requestId,
  requestIdHeader: false,
  bodyLimit: 1_048_576,
} satisfies FastifyServerOptions;
