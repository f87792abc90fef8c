import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { isValidNationalCode, normaliseMobile, toAsciiDigits } from '@app/contracts-domain';
import { actorOf } from '../auth/decorators';

/**
 * Structured logs (nestjs-pino) that never carry personal data. Personal data travels in events
 * and bodies because the contract is a legal record; logs are read by many more people, so:
 * - requests are logged by an allow-list (id, method, scrubbed URL; never headers or bodies);
 * - any field named like personal data is replaced, at any depth, in every log line;
 * - any text that looks like a national code or a mobile number is replaced, even inside
 *   messages, stack traces and stream ids (`insured-<nationalCode>`).
 * Values are omitted rather than hashed: a national code has only ~10⁹ values, so an unsalted
 * hash would be reversible by brute force.
 */

export const REDACTED = '[redacted]';

/** Field names whose values are personal data wherever they appear. */
const PERSONAL_KEYS = new Set([
  'nationalcode',
  'firstname',
  'lastname',
  'fullname',
  'fathername',
  'birthdate',
  'mobile',
  'phone',
  'address',
  'authorization',
  'cookie',
]);

/** Defence in depth for paths pino serialises outside `formatters.log` (bindings, headers). */
const REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];

const DIGIT = '[0-9\\u06f0-\\u06f9\\u0660-\\u0669]';
const NOT_WORD = '[^0-9A-Za-z\\u06f0-\\u06f9\\u0660-\\u0669]';
/** Runs of 10–14 digits (optionally `+`-prefixed) standing alone: national-code or mobile shaped. */
const NUMBER_RUN = new RegExp(`(?<=^|${NOT_WORD})\\+?${DIGIT}{10,14}(?=$|${NOT_WORD})`, 'g');

const MAX_DEPTH = 8;

/** Replaces national codes (valid check digit) and mobile numbers in free text. */
export function scrubText(text: string): string {
  return text.replace(NUMBER_RUN, (run) => {
    const ascii = toAsciiDigits(run);
    const personal = isValidNationalCode(ascii) || normaliseMobile(ascii) !== null || /^9\d{9}$/.test(ascii);
    return personal ? REDACTED : run;
  });
}

/** A copy of `value` with personal fields and personal-looking text replaced. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  // Errors keep their identity so pino's err serializer (which scrubs them) recognises them.
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  if (value instanceof Date) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = PERSONAL_KEYS.has(key.toLowerCase()) ? REDACTED : scrubValue(item, depth + 1);
  }
  return copy;
}

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return scrubValue(err);
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: scrubText(err.message),
    ...(typeof code === 'string' ? { code } : {}),
    ...(err.stack ? { stack: scrubText(err.stack) } : {}),
  };
}

function scrubUrl(url: string): string {
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // A malformed escape is logged as sent (still scrubbed).
  }
  return scrubText(decoded);
}

/** A client's id is kept when it is a sane token (it goes into every log line), else we make one. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's `genReqId` (with `requestIdHeader: false`, so it is always asked): the id Fastify,
 * the request logger and the `X-Request-Id` response header (see configureHttp) all share.
 */
export function requestId(req: Pick<IncomingMessage, 'headers'>): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Probes and scrapes would drown the access log. */
const QUIET_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/** Nest's Fastify middleware hands us `req.url` relative to the route; this is the path asked for. */
function requestedPath(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
}

export interface LoggingOptions {
  level: string;
  /** Where lines go; stdout when absent (tests capture it). */
  stream?: DestinationStream;
}

/** For `LoggerModule.forRoot(loggerParams({ level }))` or a `forRootAsync` factory. */
export function loggerParams({ level, stream }: LoggingOptions): Params {
  const options: Options = {
    level,
    quietReqLogger: true,
    autoLogging: { ignore: (req) => QUIET_PATHS.test(requestedPath(req)) },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customProps: (req) => {
      const actor = actorOf(req);
      return actor ? { actor: { sub: scrubText(actor.sub), role: actor.role } } : {};
    },
    // Our serializers see the raw objects and keep only what is safe to log.
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({ id: req.id, method: req.method, url: scrubUrl(requestedPath(req)) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
    // The access line of a 5xx would carry pino-http's made-up "failed with status code" error;
    // the real one is logged by the exception filter under the same request id.
    customErrorObject: (_req, _res, _err, value: Record<string, unknown>) => {
      const { err: _made, ...rest } = value;
      return rest;
    },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: { log: (object) => scrubValue(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => scrubValue(arg)) as Parameters<typeof method>);
      },
    },
  };
  return {
    pinoHttp: stream ? [options, stream] : options,
    // Every path, unknown ones included (their 404s are worth a line). nestjs-pino's default
    // pattern matches only "/" under Nest 12's Fastify adapter.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  };
}
