import { migrate } from '@app/platform';
import { createTestDatabase, untilBlockedOnLock, type TestDatabase } from '../../../../test/support/database';
import type { LogEntry } from '@app/projections';
import { IdempotencyRetention, PostgresIdempotencyStore, PURGE_BATCH_SQL, PURGE_UNANSWERED_BATCH_SQL } from './idempotency';
import { apiMigrations } from './migrations';

describe('PostgresIdempotencyStore', () => {
  let db: TestDatabase;
  let store: PostgresIdempotencyStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db.pool, 'contracts-api', apiMigrations);
    store = new PostgresIdempotencyStore(db.pool);
  });
  afterAll(() => db?.drop());

  it('many concurrent first claims of one key: exactly one is new, none fails', async () => {
    for (let round = 0; round < 5; round++) {
      const claims = await Promise.all(Array.from({ length: 20 }, () => store.claim('bank:b', `K-${round}`, 'h')));
      expect(claims.filter((c) => c.kind === 'new')).toHaveLength(1);
      expect(claims.every((c) => c.kind === 'new' || c.kind === 'in_progress')).toBe(true);
    }
  });

  it('a claim that waited on a concurrent first claim of its key sees it (found by the slow-body fault test)', async () => {
    // The first claim's row is inserted but not yet committed when the second claim's statement
    // starts: that statement waits on the row, then its own snapshot cannot see it.
    const first = await db.pool.connect();
    try {
      await first.query('BEGIN');
      // Already answered, so only a claim that looked again can tell (a lone miss reads as in_progress).
      await first.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, response, completed_at) VALUES ('bank:b', 'HELD', 'h', '{"status":201,"body":{}}', now())`,
      );
      const second = store.claim('bank:b', 'HELD', 'h');
      await untilBlockedOnLock(db.pool, "the second claim, on the first claim's row");
      await first.query('COMMIT');
      expect(await second).toEqual({ kind: 'replay', response: { status: 201, body: {} } });
    } finally {
      first.release();
    }
  });

  /** A claim that must be new: its token. */
  const claimNew = async (scope: string, key: string, hash: string, identity?: string) => {
    const claim = await store.claim(scope, key, hash, identity === undefined ? undefined : { hash: identity });
    if (claim.kind !== 'new') throw new Error(`expected a new claim, got ${claim.kind}`);
    return claim.token;
  };

  it('replays a completed answer, refuses the key with another request, and frees a released key', async () => {
    await store.complete('s', 'k', await claimNew('s', 'k', 'h1'), { status: 201, body: { ok: true } });
    expect(await store.claim('s', 'k', 'h1')).toEqual({ kind: 'replay', response: { status: 201, body: { ok: true } } });
    expect(await store.claim('s', 'k', 'h2')).toEqual({ kind: 'reused' });
    await store.release('s', 'k2', await claimNew('s', 'k2', 'h'));
    expect(await store.claim('s', 'k2', 'h')).toMatchObject({ kind: 'new' });
  });

  it('takes a request as the same when its body as sent or its identity matches, in a rolling deploy too', async () => {
    const answer = { status: 201, body: { paid: 1 } };
    const first = await store.claim('bank:m', 'REF', 'sent-1', { hash: 'meaning' });
    if (first.kind !== 'new') throw new Error(first.kind);
    await store.complete('bank:m', 'REF', first.token, answer);
    expect(await store.claim('bank:m', 'REF', 'sent-2', { hash: 'meaning' })).toEqual({ kind: 'replay', response: answer }); // written otherwise
    expect(await store.claim('bank:m', 'REF', 'sent-1')).toEqual({ kind: 'replay', response: answer }); // code before identities
    expect(await store.claim('bank:m', 'REF', 'sent-3', { hash: 'another-meaning' })).toEqual({ kind: 'reused' });
    // A key stored by the code before identities (none kept) still replays the same body.
    await store.complete('bank:m', 'OLD', await claimNew('bank:m', 'OLD', 'sent-1'), answer);
    expect(await store.claim('bank:m', 'OLD', 'sent-1', { hash: 'meaning' })).toEqual({ kind: 'replay', response: answer });
    expect(await store.claim('bank:m', 'OLD', 'sent-2', { hash: 'meaning' })).toEqual({ kind: 'reused' });
    // 2d94bf1 kept the identity as request_hash: it still matches, unless it was refused (then
    // perhaps of a form it normalised like a valid instant: the corrected request takes it over).
    await store.complete('bank:m', '2D94', await claimNew('bank:m', '2D94', 'meaning'), answer);
    expect(await store.claim('bank:m', '2D94', 'sent-2', { hash: 'meaning' })).toEqual({ kind: 'replay', response: answer });
    await store.complete('bank:m', '2D94-REFUSED', await claimNew('bank:m', '2D94-REFUSED', 'meaning'), { status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await store.claim('bank:m', '2D94-REFUSED', 'sent-2', { hash: 'meaning' })).toMatchObject({ kind: 'new' });
  });

  it('matches rows older versions kept under the identity hashed with the If-Match', async () => {
    const answer = { status: 201, body: { paid: 1 } };
    const retry = { hash: 'meaning', earlier: ['meaning+if-match'] };
    // Up to 21059bf (before dabdad3): identity_hash with the If-Match.
    await db.pool.query(`INSERT INTO idempotency_keys (scope, key, request_hash, identity_hash, response, completed_at) VALUES ('bank:e', 'A', 'sent-1', 'meaning+if-match', $1, now())`, [JSON.stringify(answer)]);
    expect(await store.claim('bank:e', 'A', 'sent-2', retry)).toEqual({ kind: 'replay', response: answer });
    expect(await store.claim('bank:e', 'A', 'sent-2', { hash: 'meaning' })).toEqual({ kind: 'reused' }); // another If-Match, then
    // 2d94bf1: that identity as request_hash.
    await db.pool.query(`INSERT INTO idempotency_keys (scope, key, request_hash, response, completed_at) VALUES ('bank:e', 'B', 'meaning+if-match', $1, now())`, [JSON.stringify(answer)]);
    expect(await store.claim('bank:e', 'B', 'sent-2', retry)).toEqual({ kind: 'replay', response: answer });
  });

  it('keeps the identity of a request that took a refused key over, also when its answer is lost', async () => {
    // A bank's payment refused for a stale If-Match, retried with the fresh ETag (the same payment):
    // the retry takes the key over, appends, and its answer is lost (a 5xx completes nothing).
    await store.complete('bank:t', 'STALE', await claimNew('bank:t', 'STALE', 'sent-stale', 'payment'), { status: 412, body: { code: 'PRECONDITION_FAILED' } });
    await claimNew('bank:t', 'STALE', 'sent-fresh', 'payment');
    await db.pool.query(`UPDATE idempotency_keys SET claimed_at = now() - interval '1 minute' WHERE scope = 'bank:t' AND key = 'STALE'`);
    // Its next retry, with yet another If-Match or none, is the same payment: it runs again.
    expect(await store.claim('bank:t', 'STALE', 'sent-without-if-match', { hash: 'payment' })).toMatchObject({ kind: 'new' });
  });

  it("forgets a refused request's identity when code before identities takes its key over (rolling deploy, rollback)", async () => {
    const refused = await store.claim('bank:m', 'TAKEN', 'sent-a', { hash: 'meaning-a' });
    if (refused.kind !== 'new') throw new Error(refused.kind);
    await store.complete('bank:m', 'TAKEN', refused.token, { status: 422, body: { code: 'AMOUNT_MISMATCH' } });
    // The older code's takeover of a refused key: request_hash alone.
    await db.pool.query(`UPDATE idempotency_keys SET request_hash = 'sent-b', response = '{"status":201,"body":{}}', completed_at = now() WHERE key = 'TAKEN'`);
    expect(await store.claim('bank:m', 'TAKEN', 'sent-a2', { hash: 'meaning-a' })).toEqual({ kind: 'reused' }); // not the corrected one's 201
    expect(await store.claim('bank:m', 'TAKEN', 'sent-b', { hash: 'meaning-b' })).toMatchObject({ kind: 'replay' });
  });

  it('answers another request for a key still in progress "in progress", not "reused": the first may yet be refused', async () => {
    // Found by a black-box race: a bank's wrong amount and its correction, 2 ms apart, under one
    // reference; the correction was told IDEMPOTENCY_KEY_REUSED, final, though the first was refused.
    const first = await claimNew('bank:b', 'RACE', 'wrong-amount');
    expect(await store.claim('bank:b', 'RACE', 'right-amount')).toEqual({ kind: 'in_progress' });
    await store.complete('bank:b', 'RACE', first, { status: 422, body: { code: 'AMOUNT_MISMATCH' } });
    expect(await store.claim('bank:b', 'RACE', 'right-amount')).toMatchObject({ kind: 'new' });
    // A claim past its lease may have appended before its request died: another request stays refused.
    await claimNew('s', 'died', 'h1');
    await db.pool.query(`UPDATE idempotency_keys SET claimed_at = now() - interval '1 minute' WHERE scope = 's' AND key = 'died'`);
    expect(await store.claim('s', 'died', 'h2')).toEqual({ kind: 'reused' });
  });

  it('lets only the request holding a claim answer or release it: one that stalled past its lease changes nothing', async () => {
    const stalled = await claimNew('s', 'lease', 'h');
    await db.pool.query(`UPDATE idempotency_keys SET claimed_at = now() - interval '1 minute' WHERE scope = 's' AND key = 'lease'`);
    const taker = await claimNew('s', 'lease', 'h'); // the lease ended: a retry takes the key over
    expect(taker).not.toBe(stalled);

    await store.release('s', 'lease', stalled); // the stalled request fails late (a 5xx)...
    expect(await store.claim('s', 'lease', 'h')).toEqual({ kind: 'in_progress' }); // ...the taker still holds it
    await store.complete('s', 'lease', stalled, { status: 500, body: 'late' });
    await store.complete('s', 'lease', taker, { status: 201, body: { ok: true } });
    expect(await store.claim('s', 'lease', 'h')).toEqual({ kind: 'replay', response: { status: 201, body: { ok: true } } });
  });

  it('replays a refusal to the same request, but lets another request take over its key (once)', async () => {
    const refusal = { status: 422, body: { code: 'AMOUNT_MISMATCH' } };
    await store.complete('bank:b', 'REF-9', await claimNew('bank:b', 'REF-9', 'wrong-amount'), refusal);
    expect(await store.claim('bank:b', 'REF-9', 'wrong-amount')).toEqual({ kind: 'replay', response: refusal });
    const corrected = await Promise.all(Array.from({ length: 10 }, () => store.claim('bank:b', 'REF-9', 'right-amount')));
    const taken = corrected.filter((c) => c.kind === 'new');
    expect(taken).toHaveLength(1);
    expect(corrected.every((c) => c.kind === 'new' || c.kind === 'in_progress')).toBe(true);
    await store.complete('bank:b', 'REF-9', taken[0]!.token, { status: 201, body: { ok: true } });
    expect(await store.claim('bank:b', 'REF-9', 'wrong-amount')).toEqual({ kind: 'reused' });
  });

  /** A row of scope `retention` completed `hoursAgo` hours ago (or only claimed then: in progress). */
  const row = (key: string, hoursAgo: number, completed = true) =>
    db.pool.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, response, claimed_at, completed_at)
       VALUES ('retention', $1, 'h', $2, now() - make_interval(hours => $3), CASE WHEN $4 THEN now() - make_interval(hours => $3) END)`,
      [key, completed ? JSON.stringify({ status: 201, body: { nationalCode: '0089216091' } }) : null, hoursAgo, completed],
    );
  const keys = async () => (await db.pool.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE scope = 'retention' ORDER BY key`)).rows.map((r) => r.key);

  it('purges the answers completed before the TTL, in batches, and the claims never answered since; keeps newer ones', async () => {
    for (let i = 0; i < 7; i++) await row(`old-${i}`, 73 + i);
    await row('fresh', 71);
    await row('stale-claim', 100, false); // its process died, or a held payment key's request never came back
    await row('young-claim', 1, false);
    expect(await store.purgeCompleted(72, 3)).toBe(8); // batches of 3, 3 and 1, then the claim
    expect(await keys()).toEqual(['fresh', 'young-claim']);
    expect(await store.purgeCompleted(72, 3)).toBe(0);
    // A purged key is new again: its command id still finds what it did (the domain's deduplication).
    expect(await store.claim('retention', 'old-0', 'h')).toMatchObject({ kind: 'new' });
  });

  it("keeps a bank reference that paid past the TTL, and purges a bank's refusal like any other answer", async () => {
    const answer = (key: string, status: number) =>
      db.pool.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, response, claimed_at, completed_at)
         VALUES ('bank:kept', $1, 'h', $2, now() - interval '400 days', now() - interval '400 days')`,
        [key, JSON.stringify({ status, body: { paymentId: key } })],
      );
    await answer('PAID', 201);
    await answer('REFUSED', 422);
    // A claim never answered may have paid too.
    await db.pool.query(`INSERT INTO idempotency_keys (scope, key, request_hash, claimed_at) VALUES ('bank:kept', 'UNANSWERED', 'h', now() - interval '400 days')`);
    await store.purgeCompleted(72);
    const left = await db.pool.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE scope = 'bank:kept' ORDER BY key`);
    expect(left.rows.map((r) => r.key)).toEqual(['PAID', 'UNANSWERED']);
    expect(await store.claim('bank:kept', 'PAID', 'another-contract')).toEqual({ kind: 'reused' });
  });

  it.each([
    ['idempotency_keys_purgeable', PURGE_BATCH_SQL],
    ['idempotency_keys_unanswered', PURGE_UNANSWERED_BATCH_SQL],
  ])('finds what it purges through its partial index %s, not by scanning the table', async (index, sql) => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN ${sql.replace('$1', '72').replace('$2', '1000')}`);
      expect(rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')).toMatch(new RegExp(`Index (Only )?Scan (using|on) ${index}`));
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('claims and completes through statements each connection plans once, not at every command', async () => {
    const single = await createTestDatabase({ max: 1 }); // one connection: its prepared statements are the ones asked about
    try {
      await migrate(single.pool, 'contracts-api', apiMigrations);
      const onOne = new PostgresIdempotencyStore(single.pool);
      for (let command = 0; command < 8; command++) {
        const claim = await onOne.claim('applicant:a', `K-${command}`, 'h');
        if (claim.kind !== 'new') throw new Error(`claim ${command}: ${claim.kind}`);
        await onOne.complete('applicant:a', `K-${command}`, claim.token, { status: 201, body: {} });
      }
      const { rows } = await single.pool.query(`SELECT name, generic_plans::int AS generic FROM pg_prepared_statements ORDER BY name`);
      // Five runs planned for their values, then PostgreSQL's generic plan: no parse, no planning.
      expect(rows).toEqual([
        { name: 'idempotency_claim', generic: 3 },
        { name: 'idempotency_complete', generic: 3 },
      ]);
    } finally {
      await single.drop();
    }
  });
});

describe('IdempotencyRetention: purges at start and on its timer, never fails the process', () => {
  it('logs a failed purge and tries again; stop waits for the purge under way', async () => {
    let calls = 0;
    let finish: (n: number) => void = () => undefined;
    const store = {
      purgeCompleted: (ttlHours: number) => {
        calls += 1;
        expect(ttlHours).toBe(72);
        if (calls === 1) return Promise.reject(new Error('database restarting'));
        return new Promise<number>((resolve) => (finish = resolve));
      },
    };
    const lines: LogEntry[] = [];
    const retention = new IdempotencyRetention(store, { ttlHours: 72, everyMs: 60_000, log: (entry) => lines.push(entry) });
    retention.start();
    await retention.purge(); // the first one, failed
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('database restarting') })]);
    const second = retention.purge();
    expect(retention.purge()).toBe(second); // one at a time
    let stopped = false;
    const stopping = retention.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    finish(5);
    await stopping;
    expect(lines[1]).toMatchObject({ level: 'info', purged: 5, ttlHours: 72 });
    expect(calls).toBe(2);
  });
});

describe('apiMigrations: answers kept before the security fixes', () => {
  let db: TestDatabase;
  afterAll(() => db?.drop());

  it('drops answers of role:sub scopes (never replayed again) and the contract view from kept payment answers', async () => {
    db = await createTestDatabase();
    await migrate(db.pool, 'contracts-api', apiMigrations.slice(0, 1));
    const payment = { paymentId: 'p', contractId: 'c', bankReference: 'R', amount: 1, periods: ['1405-09'], paidThrough: '2026-12-21' };
    const view = { id: 'c', nationalCode: '0089216091', exam: { result: 'failed' } };
    const rows = [
      ['applicant:sub-1', 'k', { status: 201, body: view }],
      ['examiner:sub-2', 'k', { status: 200, body: view }],
      ['bank:mellat', 'R', { status: 201, body: { ...payment, contract: view } }],
      ['bank:mellat', 'REFUSED', { status: 422, body: { code: 'AMOUNT_MISMATCH' } }],
    ] as const;
    for (const [scope, key, response] of rows) {
      await db.pool.query(`INSERT INTO idempotency_keys (scope, key, request_hash, response) VALUES ($1, $2, 'h', $3)`, [scope, key, JSON.stringify(response)]);
    }
    await migrate(db.pool, 'contracts-api', apiMigrations);
    const { rows: kept } = await db.pool.query('SELECT scope, key, response FROM idempotency_keys ORDER BY key');
    expect(kept).toEqual([
      { scope: 'bank:mellat', key: 'R', response: { status: 201, body: payment } },
      { scope: 'bank:mellat', key: 'REFUSED', response: { status: 422, body: { code: 'AMOUNT_MISMATCH' } } },
    ]);
  });
});
