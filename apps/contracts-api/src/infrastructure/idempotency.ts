import { createHash, randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { canonicalJson, withClient } from '@app/platform';
import { errorMessage, type Log } from '@app/projections';

/** What a command answered, kept so a retry gets the very same answer. */
export interface StoredResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type IdempotencyClaim =
  | { kind: 'new'; token: string } // this request holds the key: `token` answers or releases it
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'reused' } // same key, different request
  | { kind: 'in_progress' }; // the first request with this key has not finished

export interface IdempotencyStore {
  /**
   * `requestHash` is the body as sent; `identity`, where the route normalises the request, what it
   * means: a stored claim is the same request when either matches (the identity, unless it was
   * refused). `identity.earlier` are the hashes older versions gave the same meaning (rows they kept).
   */
  claim(scope: string, key: string, requestHash: string, identity?: RequestIdentity): Promise<IdempotencyClaim>;
  /**
   * Keeps the answer, if the claim `token` names still holds the key, with the request's identity:
   * a claim that took a refused key over may have lost it (migration 009 clears an identity left
   * equal while the request changed, which is also what a retry with another If-Match looks like).
   */
  complete(scope: string, key: string, token: string, response: StoredResponse, identityHash?: string): Promise<void>;
  /** The first attempt failed without an answer worth keeping (e.g. 5xx): let a retry run again. */
  release(scope: string, key: string, token: string): Promise<void>;
  /**
   * The first attempt ended in a 5xx after which its command may have been done, by a key that does
   * not name the command: the key stays with that request, decided at once for the next (the same
   * request takes it over; another is refused, `reused`), rather than held for the rest of its lease.
   */
  hold(scope: string, key: string, token: string): Promise<void>;
}

export const IDEMPOTENCY = Symbol('IDEMPOTENCY');

export interface RequestIdentity {
  /** Stored with the claim. */
  hash: string;
  /** Also the same meaning in rows stored by older versions (e.g. hashed with the If-Match). */
  earlier?: readonly string[];
}

/**
 * Stable hash of a request: method, path, canonical JSON body (key order does not matter) and the
 * If-Match precondition when there is one: the same key with another precondition is another
 * request, not a retry. Without If-Match the hash is what it was before it counted.
 */
export function requestHash(method: string, path: string, body: unknown, ifMatch?: string): string {
  const precondition = ifMatch === undefined ? '' : `\nIf-Match: ${ifMatch.trim()}`;
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body)}${precondition}`).digest('hex');
}

/** Rows older than a claim's lease are taken over: the process that claimed them died. */
const IN_PROGRESS_LEASE = '30 seconds';

/**
 * One batch of the retention purge: the oldest completed answers past the TTL ($1 hours), at most
 * $2 of them, found through `idempotency_keys_purgeable` (migration 005). Rows another statement
 * holds (a claim taking a refused key over) are skipped, never waited for: the next run gets them.
 *
 * A bank reference that paid is never purged: it is the bank's own name for one transfer, API.md
 * promises its first result whenever it comes again, and only this row ties it to its contract
 * (purged, the same reference on another contract would pay that one too). Its answer holds no
 * personal data (`PaymentResponse`). A refused one did nothing and goes like any other.
 */
export const PURGE_BATCH_SQL = `
  DELETE FROM idempotency_keys k
   USING (SELECT scope, key FROM idempotency_keys
           WHERE completed_at < now() - make_interval(hours => $1)
             AND NOT (scope LIKE 'bank:%' AND (response->>'status')::int < 400)
           ORDER BY completed_at LIMIT $2
           FOR UPDATE SKIP LOCKED) old
   WHERE k.scope = old.scope AND k.key = old.key`;

/**
 * One batch of claims never answered, claimed before the TTL: a process that died mid-request, or
 * a payment's Idempotency-Key held after a 5xx whose same request never came back. Past the TTL
 * they go as an answer would (the command id still finds what the request did); under a `bank:`
 * scope never, for the same reason as a reference that paid: the claim may have paid. Found
 * through `idempotency_keys_unanswered` (migration 010).
 */
export const PURGE_UNANSWERED_BATCH_SQL = `
  DELETE FROM idempotency_keys k
   USING (SELECT scope, key FROM idempotency_keys
           WHERE completed_at IS NULL AND scope NOT LIKE 'bank:%' AND claimed_at < now() - make_interval(hours => $1)
           ORDER BY claimed_at LIMIT $2
           FOR UPDATE SKIP LOCKED) old
   WHERE k.scope = old.scope AND k.key = old.key AND k.completed_at IS NULL`;

/**
 * Every command claims and completes a key: both statements are named, so each connection parses
 * and plans them once (unnamed, planning them cost more than running them: performance.md, session 19).
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(private readonly pool: Pool) {}

  async claim(scope: string, key: string, hash: string, identity?: RequestIdentity): Promise<IdempotencyClaim> {
    // A concurrent first claim of the same key can commit while this statement runs: its INSERT then
    // does nothing, yet its snapshot cannot see that row either, and no row comes back. The next
    // statement sees it.
    for (let attempt = 1; ; attempt++) {
      const claim = await this.tryClaim(scope, key, hash, identity);
      if (claim || attempt === 3) return claim ?? { kind: 'in_progress' };
    }
  }

  private async tryClaim(scope: string, key: string, hash: string, meaning: RequestIdentity | undefined): Promise<IdempotencyClaim | undefined> {
    const token = randomUUID();
    const identity = meaning?.hash ?? null;
    const meansTheSame = (stored: string | null) => stored !== null && meaning !== undefined && (stored === meaning.hash || (meaning.earlier ?? []).includes(stored));
    const { rows } = await this.pool.query<{ request_hash: string; identity_hash: string | null; response: StoredResponse | null; inserted: boolean; stale: boolean }>({
      name: 'idempotency_claim',
      text: `WITH ins AS (
         INSERT INTO idempotency_keys (scope, key, request_hash, identity_hash, claim_token) VALUES ($1, $2, $3, $5, $4)
         ON CONFLICT (scope, key) DO NOTHING
         RETURNING request_hash, identity_hash, response, true AS inserted, false AS stale)
       SELECT * FROM ins
       UNION ALL
       SELECT request_hash, identity_hash, response, false, claimed_at < now() - interval '${IN_PROGRESS_LEASE}'
         FROM idempotency_keys WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
      values: [scope, key, hash, token, identity],
    });
    const row = rows[0];
    if (!row) return undefined;
    if (row.inserted) return { kind: 'new', token };
    // Rows of 2d94bf1 kept the identity as request_hash; a refusal there may have been of a form
    // the domain does not read (a bare date), so the corrected request takes it over instead.
    const refused = row.response !== null && row.response.status >= 400;
    const legacy = row.identity_hash === null && meansTheSame(row.request_hash) && !refused;
    // The same meaning repeats what was done, not a refusal: the identity leaves out what may be
    // corrected on a retry (a payment's If-Match), so a refusal replays only to the request as sent.
    const same = row.request_hash === hash || (meansTheSame(row.identity_hash) && !refused) || legacy;
    if (!same) {
      // Still running: it may yet be refused and free the key, so "try again", not a final "reused".
      // A claim past its lease may have appended before its request died: that one holds the key.
      if (!row.response) return row.stale ? { kind: 'reused' } : { kind: 'in_progress' };
      if (row.response.status < 400) return { kind: 'reused' };
      // Only a request that did something holds its key: after a refusal (nothing appended) the
      // corrected request may use it, e.g. a bank whose payment was refused keeps its reference.
      const taken = await withClient(this.pool, (client) => takeOverRefused(client, { scope, key, hash, refusedHash: row.request_hash, token, identity }));
      return taken ? { kind: 'new', token } : undefined; // undefined: raced, look again
    }
    if (row.response) return { kind: 'replay', response: row.response };
    if (row.stale) {
      const taken = await this.pool.query(
        `UPDATE idempotency_keys SET claimed_at = now(), claim_token = $3 WHERE scope = $1 AND key = $2 AND response IS NULL
           AND claimed_at < now() - interval '${IN_PROGRESS_LEASE}'`,
        [scope, key, token],
      );
      if (taken.rowCount === 1) return { kind: 'new', token };
    }
    return { kind: 'in_progress' };
  }

  async complete(scope: string, key: string, token: string, response: StoredResponse, identityHash?: string): Promise<void> {
    await this.pool.query({
      name: 'idempotency_complete',
      text: `UPDATE idempotency_keys SET response = $4, completed_at = now(), identity_hash = COALESCE($5, identity_hash) WHERE scope = $1 AND key = $2 AND claim_token = $3`,
      values: [scope, key, token, JSON.stringify(response), identityHash ?? null],
    });
  }

  async hold(scope: string, key: string, token: string): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_keys SET claimed_at = now() - interval '${IN_PROGRESS_LEASE}' - interval '1 second'
        WHERE scope = $1 AND key = $2 AND response IS NULL AND claim_token = $3`,
      [scope, key, token],
    );
  }

  async release(scope: string, key: string, token: string): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND response IS NULL AND claim_token = $3`, [scope, key, token]);
  }

  /**
   * Deletes the answers completed more than `ttlHours` ago (database time), then the claims never
   * answered since then (`PURGE_UNANSWERED_BATCH_SQL`), `batchSize` rows per statement so no
   * statement holds many locks or runs long, until a batch comes back short. Returns how many went.
   */
  async purgeCompleted(ttlHours: number, batchSize = 1_000): Promise<number> {
    let purged = 0;
    for (const sql of [PURGE_BATCH_SQL, PURGE_UNANSWERED_BATCH_SQL]) {
      for (;;) {
        const { rowCount } = await this.pool.query(sql, [ttlHours, batchSize]);
        purged += rowCount ?? 0;
        if ((rowCount ?? 0) < batchSize) break;
      }
    }
    return purged;
  }
}

/**
 * A refused key given to another request, with that request's identity. Migration 009 clears an
 * identity an update leaves equal while request_hash changes (what code before 008 does), which
 * is also what a bank's retry of the same payment with another If-Match looks like: the identity
 * is set again in a second statement, in the same transaction, so a retry whose answer is lost
 * (a 5xx completes nothing) still finds the key by its meaning.
 */
async function takeOverRefused(
  client: PoolClient,
  claim: { scope: string; key: string; hash: string; refusedHash: string; token: string; identity: string | null },
): Promise<boolean> {
  const { scope, key, hash, refusedHash, token, identity } = claim;
  await client.query('BEGIN');
  try {
    const taken = await client.query(
      `UPDATE idempotency_keys SET request_hash = $3, identity_hash = $6, response = NULL, completed_at = NULL, claimed_at = now(), claim_token = $5
        WHERE scope = $1 AND key = $2 AND request_hash = $4 AND (response->>'status')::int >= 400`,
      [scope, key, hash, refusedHash, token, identity],
    );
    if (taken.rowCount === 1 && identity !== null) {
      await client.query(`UPDATE idempotency_keys SET identity_hash = $4 WHERE scope = $1 AND key = $2 AND claim_token = $3`, [scope, key, token, identity]);
    }
    await client.query('COMMIT');
    return taken.rowCount === 1;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The retention of `idempotency_keys` (IDEMPOTENCY_TTL_HOURS): answers carry personal data (the
 * contract view) and the table would otherwise grow with every command ever sent. Purges once at
 * start and then every `everyMs`; `stop` waits for a purge under way, so the pool can close after.
 * A failed purge is logged and tried again at the next tick.
 */
export class IdempotencyRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<PostgresIdempotencyStore, 'purgeCompleted'>,
    private readonly options: { ttlHours: number; everyMs?: number; log: Log },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.purge(), this.options.everyMs ?? 3_600_000);
    this.timer.unref();
    void this.purge();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One purge, unless one is under way (then that one). */
  purge(): Promise<void> {
    this.running ??= this.store
      .purgeCompleted(this.options.ttlHours)
      .then(
        (purged) => {
          if (purged > 0) this.options.log({ level: 'info', msg: 'idempotency retention: old answers purged', purged, ttlHours: this.options.ttlHours });
        },
        (error: unknown) => this.options.log({ level: 'warn', msg: `idempotency retention: purge failed, tried again next time: ${errorMessage(error)}` }),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
