import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { deterministicId } from '@app/event-store';
import type { Actor } from '../auth';
import { invalidField, PROBLEM_CONTENT_TYPE, ProblemException, TransientRefusal } from '../http/problem';
import { problemOf } from '../http/problem.filter';
import { IDEMPOTENCY, requestHash, type IdempotencyStore, type StoredResponse } from '../infrastructure/idempotency';
import type { CommandContext } from '@app/contracts-app';
import { idempotencyScope } from './idempotency-scope';

/** What a command route answers; sent as is, and kept for idempotent replays. */
export interface HttpResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const etag = (revision: number) => `"${revision}"`;

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/**
 * One element of an If-Match list (RFC 9110, 8.8.3 and 5.6.1): an entity tag, weak or not, or
 * nothing (empty elements are ignored), then a comma or the end. Sticky, and the whitespace after
 * a tag inside its group: two optional runs of blanks side by side would backtrack quadratically
 * on a long run of them.
 */
const LIST_ELEMENT = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*)?(?:,|$)/y;
/** The only strong tags we send (`etag`): a revision in decimal. */
const REVISION_TAG = /^(0|[1-9]\d{0,8})$/;

/**
 * `If-Match` read as RFC 9110 (13.1.1) says, against our tags (`"3"` for revision 3): absent or
 * `*` → undefined (any current revision); otherwise the revisions its strong tags name, which the
 * current one must be among. A weak tag (W/"3") or one we never send ("03") names none, so it
 * fails the precondition (412), after the 404 of a contract that does not exist or is not the
 * caller's. A bare revision (`3`), which earlier versions took, is still read as `"3"`. Anything
 * else is a 400.
 */
export function parseIfMatch(header: string | string[] | undefined): readonly number[] | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '*') return undefined;
  if (REVISION_TAG.test(value)) return [Number(value)];
  const malformed = () => invalidField('If-Match', 'If-Match must be entity tags such as "3", or *', '«If-Match» باید برچسب نسخه (مانند "3") یا * باشد');
  const revisions: number[] = [];
  let tags = 0;
  for (LIST_ELEMENT.lastIndex = 0; LIST_ELEMENT.lastIndex < value.length; ) {
    const at = LIST_ELEMENT.lastIndex;
    const element = LIST_ELEMENT.exec(value);
    if (!element || LIST_ELEMENT.lastIndex === at) throw malformed();
    if (element[2] === undefined) continue; // an empty element
    tags += 1;
    if (element[1] === undefined && REVISION_TAG.test(element[2])) revisions.push(Number(element[2]));
  }
  if (tags === 0) throw malformed();
  return revisions;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface IdempotencyOptions {
  /** Defaults to the `Idempotency-Key` header, scoped to the caller. */
  key?: string;
  /** Defaults to the caller's whole identity (`idempotencyScope`: role, sub and the role's claim). */
  scope?: string;
  /** Status of a replayed answer, when it differs from the first (a bank's repeated confirmation: 200). */
  replayStatus?: number;
  /**
   * What the request means, when its route normalises it: the same payment written another way (an
   * instant with another offset) repeats instead of reusing the key. The body as sent matches too.
   */
  identity?: unknown;
  /**
   * Whether any request under this key runs the same command, whatever else it says (its id
   * derives from the key alone, the default), so a 5xx may free the key at once: a retry appends
   * nothing new. Otherwise (a payment's Idempotency-Key around its bankReference; the reference,
   * whose events also name the contract) the key is held after a 5xx, whose append may have
   * happened, for that request (`IdempotencyStore.hold`): the same request takes it over at once,
   * another is refused, never booked as a second command.
   */
  keyNamesCommand?: boolean;
}

/**
 * Runs a command route: builds its context (actor, request id, If-Match, a command id that is
 * stable across retries of one idempotency key), answers a repeated key from the stored response,
 * and keeps the first answer (success or refusal) for later repeats of the same request. A refusal
 * does not hold the key against another request (`PostgresIdempotencyStore.claim`): nothing was
 * appended, so a corrected request may use it. 5xx answers and concurrency conflicts are not kept,
 * so a retry runs again, and appends nothing new thanks to the stable command id (a key that does
 * not name the command is held after a 5xx instead: `keyNamesCommand`).
 */
@Injectable()
export class CommandResponder {
  constructor(@Inject(IDEMPOTENCY) private readonly idempotency: IdempotencyStore) {}

  context(request: FastifyRequest, actor: Actor, channel: string, options: IdempotencyOptions = {}): CommandContext {
    const key = options.key ?? header(request, 'idempotency-key');
    const scope = options.scope ?? idempotencyScope(actor);
    return {
      actor: { sub: actor.sub, role: actor.role },
      channel,
      ...(actor.branchId ? { branchId: actor.branchId } : {}),
      ...(actor.bankId ? { bankId: actor.bankId } : {}),
      correlationId: String(request.id),
      commandId: key ? deterministicId('command', scope, key) : randomUUID(),
      ifMatch: parseIfMatch(request.headers['if-match']),
    };
  }

  async respond(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    execute: () => Promise<HttpResult>,
    options: IdempotencyOptions = {},
  ): Promise<void> {
    send(reply, await this.answer(request, actor, execute, options));
  }

  /** `respond`'s answer without sending it: one key's layer, which another key's may wrap. */
  async answer(request: FastifyRequest, actor: Actor, execute: () => Promise<HttpResult>, options: IdempotencyOptions = {}): Promise<HttpResult> {
    const key = options.key ?? header(request, 'idempotency-key');
    if (key === undefined) return execute();
    if (!KEY_PATTERN.test(key)) {
      throw invalidField('Idempotency-Key', 'Idempotency-Key must be 1–200 visible ASCII characters', '«Idempotency-Key» باید ۱ تا ۲۰۰ نویسه ASCII دیدنی باشد');
    }
    const scope = options.scope ?? idempotencyScope(actor);
    const ifMatch = header(request, 'if-match');
    // What a request means leaves its If-Match out: a payment retried after its answer was lost,
    // with the contract's fresh ETag or none, is the same payment (the body as sent keeps it).
    // Versions up to 21059bf (before dabdad3) hashed it with the If-Match: their rows still match
    // a retry with the same If-Match.
    const identity =
      options.identity === undefined
        ? undefined
        : {
            hash: requestHash(request.method, request.url, options.identity, undefined),
            earlier: ifMatch === undefined ? [] : [requestHash(request.method, request.url, options.identity, ifMatch)],
          };
    const claim = await this.idempotency.claim(scope, key, requestHash(request.method, request.url, request.body ?? null, ifMatch), identity);
    if (claim.kind === 'reused') throw new ProblemException('IDEMPOTENCY_KEY_REUSED');
    if (claim.kind === 'in_progress') throw new ProblemException('CONCURRENCY_CONFLICT', { reason: 'idempotency_key_in_progress' });
    if (claim.kind === 'replay') {
      const stored = claim.response;
      const status = stored.status < 300 && options.replayStatus ? options.replayStatus : stored.status;
      return { ...stored, status, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } };
    }

    let result: HttpResult;
    try {
      result = await execute();
    } catch (error) {
      const problem = problemOf(error);
      // A 5xx or a lost race says nothing about the request itself: the client is told to retry,
      // so a retry with this key must run again instead of replaying the conflict forever (after a
      // 5xx, where the key does not name the command, only the same request: `hold`).
      if (problem.code === 'CONCURRENCY_CONFLICT' || error instanceof TransientRefusal || (problem.status >= 500 && options.keyNamesCommand !== false)) {
        await this.idempotency.release(scope, key, claim.token);
      } else if (problem.status < 500) {
        await this.idempotency.complete(scope, key, claim.token, { status: problem.status, body: problem }, identity?.hash);
      } else {
        await this.idempotency.hold(scope, key, claim.token);
      }
      throw error;
    }
    const stored: StoredResponse = { status: result.status, body: result.body, ...(result.headers ? { headers: result.headers } : {}) };
    await this.idempotency.complete(scope, key, claim.token, stored, identity?.hash);
    return result;
  }
}

function send(reply: FastifyReply, result: HttpResult): void {
  if (reply.raw.headersSent) return; // answered 503 already: the handling outlived its deadline (answerWithin)
  reply.status(result.status);
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
  if (result.status >= 400) reply.header('Content-Type', PROBLEM_CONTENT_TYPE);
  reply.send(result.body);
}
