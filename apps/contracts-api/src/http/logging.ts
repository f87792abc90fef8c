import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { isValidNationalCode, normaliseMobile, toAsciiDigits } from '@app/contracts-domain';
import type { Log } from '@app/projections';
import { actorOf } from '../auth/decorators';

/**
 * Structured logs (pino) that never carry personal data. Personal data travels in events
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
/** Runs of 10–15 digits (optionally `+`-prefixed) standing alone: national-code or mobile shaped (`0098 0912…` is 15). */
const NUMBER_RUN = new RegExp(`(?<=^|${NOT_WORD})\\+?${DIGIT}{10,15}(?=$|${NOT_WORD})`, 'g');

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

/** The URL as logged: decoded, personal query fields and personal-looking numbers replaced. */
export function scrubUrl(url: string): string {
  const decoded = decodeEscapes(url);
  // A personal path parameter or query field is redacted whatever its value looks like (a national
  // code one digit off, `008-921609-1`, a surname).
  const fields = decoded
    .replace(PERSONAL_PATH, `$1${REDACTED}`)
    .replace(QUERY_FIELD, (field, separator: string, key: string) => (PERSONAL_KEYS.has(key.toLowerCase()) ? `${separator}${key}=${REDACTED}` : field));
  return scrubText(fields);
}

/** A run of consecutive `%XX` escapes. */
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
/** One character's escapes in UTF-8 (lead byte, then up to its continuation bytes), or one lone escape. */
const ESCAPED_CHARACTER = /%[C-Dc-d][0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f])?|%[Ee][0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f]){0,2}|%[Ff][0-7](?:%[89ABab][0-9A-Fa-f]){0,3}|%[0-9A-Fa-f]{2}/g;

/**
 * Decodes every escape that decodes, leaving the others as sent. Decoding the URL at once failed
 * on any bad escape (`?x=%ZZ`, a truncated UTF-8 sequence) and left the whole URL encoded, so a
 * national code sent as `%30%30%38…` or as escaped Persian digits reached the log unredacted.
 */
function decodeEscapes(url: string): string {
  return url.replace(ESCAPE_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(ESCAPED_CHARACTER, (escaped) => {
        try {
          return decodeURIComponent(escaped);
        } catch {
          return escaped;
        }
      });
    }
  });
}

/**
 * A query field: its name and value stop at the next `?` too, else a URL of many `?` made each one
 * scan to the end (quadratic: 16,000 of them held the event loop for a third of a second, without a
 * token), and a value swallowed the personal field after it.
 */
const QUERY_FIELD = /([?&])([^=&#?]+)=[^&#?]*/g;
/** Routes whose path parameter is a national code. */
const PERSONAL_PATH = /^(\/+v1\/+eligibility\/+)[^/?#]+/i;

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

export interface LoggingOptions {
  level: string;
  /** Where lines go; stdout when absent (tests capture it). */
  stream?: DestinationStream;
}

/** The process's logger: every line it writes is scrubbed, whoever calls it. */
export function createLogger({ level, stream }: LoggingOptions): Logger {
  const options: LoggerOptions = {
    level,
    serializers: { err: serializeError },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: { log: (object) => scrubValue(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => scrubValue(arg)) as Parameters<typeof method>);
      },
    },
  };
  return stream ? pino(options, stream) : pino(options);
}

/** The read side's structured entries through `logger`, each at its own level with its fields. */
export function readSideLog(logger: Logger): Log {
  return ({ level, msg, ...fields }) => logger[level](fields, msg);
}

/** The request a line is logged for, while Nest handles it (guards, handler, exception filter). */
const currentRequest = new AsyncLocalStorage<string>();

/**
 * Logs through `logger`: Nest's own lines and ours (`new Logger(context)`), tagged with the
 * request they belong to, and one access line per request (an allow-list: id, method, scrubbed
 * URL, status, time, actor; never headers or bodies).
 *
 * Fastify hooks rather than a per-request child logger (pino-http): that built and serialised
 * its bindings for every request even at `warn`, where no line is written, and cost a quote
 * request ~1/3 of its time (docs/performance.md). The access line is built only when written.
 */
export function useLogging(app: NestFastifyApplication, logger: Logger): void {
  app.useLogger(new NestPinoLogger(logger));
  const fastify = app.getHttpAdapter().getInstance();
  // After the body is read: its stream's callbacks would not carry a context set before it.
  fastify.addHook('preHandler', (request, _reply, done) => currentRequest.run(request.id, done));
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : 'info';
    if (logger.isLevelEnabled(level) && !QUIET_PATHS.test(request.url)) {
      const actor = actorOf(request.raw);
      logger[level](
        {
          reqId: request.id,
          req: { id: request.id, method: request.method, url: scrubUrl(request.url) },
          ...(actor ? { actor: { sub: scrubText(actor.sub), role: actor.role } } : {}),
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
}

type NestLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Nest's `LoggerService` over pino, as Nest calls it: `(message, ...params, context)`. */
class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }

  private write(level: NestLevel, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const reqId = currentRequest.getStore();
    if (reqId !== undefined) fields.reqId = reqId;
    // A Logger made with a context (and Nest's own) passes it last.
    const rest = params.slice(0, -1);
    if (params.length > 0) fields.context = params[params.length - 1];
    if (message instanceof Error || (typeof message === 'object' && message !== null)) {
      // (fields, message?, ...format arguments), as pino takes them.
      const [text, ...args] = rest;
      if (message instanceof Error) fields.err = message;
      else Object.assign(fields, message);
      this.logger[level](fields, text === undefined ? undefined : String(text), ...args);
    } else if (level === 'error' && rest.length === 1 && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) {
      // Nest's `error(message, stack, context)`: one error, its stack where the err serializer scrubs it.
      const err = new Error(String(message));
      err.stack = rest[0];
      this.logger.error({ ...fields, err });
    } else {
      this.logger[level](fields, String(message), ...rest);
    }
  }
}
