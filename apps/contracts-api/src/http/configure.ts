import { HttpException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ANSWER_DEADLINE_MS, answerWithin } from './answer-deadline';
import type { ApiErrorCode } from './error-catalog';
import { requestId } from './logging';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemFor } from './problem';
import { problemOf, ProblemFilter } from './problem.filter';
import { createValidationPipe } from './validation';

/**
 * The HTTP conventions every app instance shares (main.ts and the specs' tiny apps). Create the
 * app with `{ bodyParser: false }` so Fastify's own JSON parser is the only one left after this:
 * JSON everywhere, any other body is a 415.
 */
export function configureHttp(app: NestFastifyApplication, { answerDeadlineMs = ANSWER_DEADLINE_MS } = {}): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  // A command without a body (a referral) sent with a JSON Content-Type and nothing after it is
  // a request without a body, not malformed JSON; anything else goes to Fastify's own parser.
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  // Read as bytes: decoded as a string, bytes that are not UTF-8 would become U+FFFD and reach the
  // permanent record as such; JSON text is UTF-8 (RFC 8259 §8.1), so they are malformed JSON.
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const unreadable = unreadableAs(request.headers);
    if (unreadable) return done(new ProblemException('UNSUPPORTED_MEDIA_TYPE', { reason: unreadable }), undefined);
    const bytes = body as Buffer; // parseAs: 'buffer'
    if (bytes.length === 0) return done(null, undefined);
    if (!isUtf8(bytes)) return done(new ProblemException('MALFORMED_JSON'), undefined);
    json(request, bytes.toString('utf8'), done);
  });
  // Echo the request id so a client can quote it; logs carry the same id.
  // On the raw response, so the answer Node gives a request whose body stalls (408) carries it too.
  fastify.addHook('onRequest', async (request, reply) => {
    reply.raw.setHeader('X-Request-Id', request.id);
  });
  // An answer before the body is in (415, 413): close the connection after it, so the rest of the
  // body is not waited for and the request timeout cannot add a second answer to the same request.
  fastify.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete) reply.header('Connection', 'close');
  });
  // Answers of the API carry personal data: no cache (a proxy, the browser's disk) keeps one unless
  // its route chose otherwise (ETag and If-Match work the same with no-store). And no browser reads
  // an answer as anything but its Content-Type (JSON sniffed as HTML would run as a page).
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    if (API_PATH.test(request.url) && !reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-store');
  });
  answerWrongMethods(fastify);
  fastify.server.on('connect', refuseTunnel);
  answerWithin(fastify, answerDeadlineMs);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
}

/**
 * Why a JSON body could not be read as sent: it is read as UTF-8 text, so a content coding (gzip)
 * or another charset would reach the JSON parser as garbage, or worse as other text (RFC 9110
 * §8.4: 415 for a coding the server does not accept).
 */
function unreadableAs(headers: { 'content-encoding'?: string; 'content-type'?: string }): 'content_encoding' | 'charset' | undefined {
  const coding = headers['content-encoding']?.trim().toLowerCase();
  if (coding && coding !== 'identity') return 'content_encoding';
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1];
  if (charset && !/^(utf-?8|us-ascii)$/i.test(charset)) return 'charset'; // ASCII is UTF-8's subset
  return undefined;
}

/** The versioned API, `/v1/…` (not /health, /metrics, /docs or the dashboard page). */
const API_PATH = /^\/v1(\/|\?|$)/;

/**
 * A path that exists with another method is a 405 naming the allowed ones (`Allow`, RFC 9110
 * §15.5.6), not a 404 that would tell the client the resource is missing. Routes are learnt as
 * they are registered; a request that matched none is checked against them before the 404.
 */
function answerWrongMethods(fastify: FastifyInstance): void {
  const routes: { methods: string[]; path: RegExp }[] = [];
  fastify.addHook('onRoute', ({ method, url }) => {
    const pattern = url.split('/').map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    // Exactly the router's paths: with a trailing slash the router matches nothing (404), so a
    // 405 there would name in Allow the very method it refused.
    routes.push({ methods: [method].flat(), path: new RegExp(`^${pattern.join('/')}$`) });
  });
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined) return; // a route matched
    const path = request.url.split('?')[0]!;
    const allowed = [...new Set(routes.filter((route) => route.path.test(path)).flatMap((route) => route.methods))];
    if (allowed.length === 0) return;
    const problem = problemFor('METHOD_NOT_ALLOWED');
    return reply.status(problem.status).header('Allow', allowed.sort().join(', ')).header('Content-Type', PROBLEM_CONTENT_TYPE).send(problem);
  });
}

/**
 * Fastify's router answers a malformed URL (bad escape, over-long segment) itself, before Nest
 * sees the request: this makes those answers problems like every other.
 */
function frameworkError(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  const problem = problemOf(new HttpException(error.message, error.statusCode ?? 400, { cause: error }));
  void reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(problem);
}

/** Node's HTTP server's own refusals, by the code of the error it reports. */
const CLIENT_ERRORS: Record<string, ApiErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
};

/**
 * Node's HTTP server gives up on a connection before fastify routes anything, or while a handler
 * still waits for the body: the request was not received in full within the request timeout
 * (408), its headers are too large (431), or the bytes are not HTTP (400). The answer is a problem
 * like every other, unless a response has already begun on this socket (an early 404 whose body
 * then stalled): a second one would corrupt it, so the connection just closes.
 */
function clientError(error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    // The request id once fastify gave the request one (a body that stalled).
    const id = inFlight?.getHeader('x-request-id');
    socket.write(rawProblem(CLIENT_ERRORS[error.code] ?? 'BAD_REQUEST', { requestId: typeof id === 'string' ? id : undefined, head: isHead(error, inFlight) }));
  }
  // The unread rest of the body goes with the connection: the handler waiting for it never runs.
  socket.destroy(error);
}

/**
 * CONNECT (a proxy's tunnel) never reaches fastify: Node hands it to the server's 'connect'
 * listeners, and with none closes the socket unanswered. This service tunnels nothing: it answers
 * as it does a method it does not know, 400, and closes the connection.
 */
function refuseTunnel(_request: IncomingMessage, socket: Duplex): void {
  socket.end(rawProblem('BAD_REQUEST', { head: false }));
}

/** A whole HTTP/1.1 answer carrying a problem and the headers every answer carries, closing the connection. */
function rawProblem(code: ApiErrorCode, { requestId, head }: { requestId?: string; head: boolean }): string {
  const problem = problemFor(code);
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `${requestId === undefined ? '' : `X-Request-Id: ${requestId}\r\n`}Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`
  );
}

/**
 * An answer to HEAD has no body: a client would read one as a malformed next response. The method
 * is the in-flight request's, or else the start of the bytes the parser choked on.
 */
function isHead(error: ConnectionError, inFlight: ServerResponse | undefined): boolean {
  if (inFlight) return inFlight.req.method === 'HEAD';
  // Typed as JSON by fastify; a Buffer at run time.
  const raw: unknown = error.rawPacket;
  return Buffer.isBuffer(raw) && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
}

/** Options for `new FastifyAdapter(...)` (spread, then set `bodyLimit` and the timeout as the app needs). */
export const FASTIFY_OPTIONS = {
  genReqId: requestId,
  requestIdHeader: false,
  frameworkErrors: frameworkError,
  clientErrorHandler: clientError,
} satisfies FastifyServerOptions;
