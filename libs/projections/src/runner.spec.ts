import { Client, type PoolClient } from 'pg';
import { InMemoryEventStore, PostgresEventStore, type RecordedEvent } from '@app/event-store';
import { ManualClock, type Clock } from '@app/platform';
import { createTestDatabase, untilBlockedOnLock, type TestDatabase } from '../../../test/support/database';
import { billingProjection } from './billing/billing.projection';
import { liveSchema, type Projection } from './projection';
import { rebuild, replayInto } from './rebuild';
import { ProjectionRunner, holdsBackReadiness, readinessDetails } from './runner';
import { SharedReader } from './shared-reader';
import { createProjectionSchema, lockSchemaName, readCheckpoint, withTransaction } from './store';
import { appendContracts, storedEvents } from './testing/contracts';
import { dumpSchema } from './testing/harness';
import { waitFor } from './testing/wait';

describe('projection runner', () => {
  let db: TestDatabase;
  let eventStore: PostgresEventStore;
  /** One reader for all runners, as in the projector: a failing one must not hold the others back. */
  let reader: SharedReader;
  const runners: ProjectionRunner[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
    eventStore = await PostgresEventStore.create({ pool: db.pool, idlePollMs: 100 });
    reader = new SharedReader(eventStore);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await reader.stop();
    await eventStore.close();
    await db.drop();
  });

  function startRunner(projection: Projection, batchSize = 7, clock?: Clock): ProjectionRunner {
    const runner = new ProjectionRunner({ pool: db.pool, eventStore, reader, projection, log: () => undefined, batchSize, standbyPollMs: 50, maxBackoffMs: 200, clock });
    runners.push(runner);
    runner.start();
    return runner;
  }

  const lastPosition = async () => (await storedEvents(db.pool)).last;
  const reaches = (runner: ProjectionRunner, position: bigint) =>
    waitFor(async () => BigInt((await runner.status()).position) >= position, `${runner.name} to reach ${position}`);

  /** The rows a clean replay from position 0 gives, to compare with the live ones. */
  async function cleanReplay(projection: Projection): Promise<Record<string, string[]>> {
    const schema = `${liveSchema(projection.name)}_clean`;
    await withTransaction(db.pool, (tx) => createProjectionSchema(tx, projection, schema));
    await replayInto({ pool: db.pool, eventStore, projection, schema, batchSize: 1000 });
    return dumpSchema(db.pool, schema);
  }

  it('keeps other projections going while one fails, retries it with backoff and reports the error', async () => {
    let broken = true;
    const fragile: Projection = {
      name: 'fragile',
      version: 1,
      tables: ['CREATE TABLE seen (position BIGINT PRIMARY KEY)'],
      handles: () => true,
      async apply(tx: PoolClient, events: readonly RecordedEvent[]) {
        if (broken) throw new Error('disk on fire');
        await tx.query('INSERT INTO seen SELECT unnest($1::bigint[])', [events.map((e) => e.position.toString())]);
      },
    };
    await appendContracts(eventStore, 5);
    // Its lag: how long the oldest event not yet applied has waited, by the runner's clock.
    const [oldest] = await eventStore.readAll({ fromPosition: 0n, limit: 1 });
    const failing = startRunner(fragile, 7, new ManualClock(new Date(oldest!.recordedAt.getTime() + 90_000)));
    const billing = startRunner(billingProjection);
    const head = await lastPosition();
    await reaches(billing, head);

    const status = await waitFor(async () => {
      const s = await failing.status();
      return s.failures >= 2 && s;
    }, 'retries');
    expect(status).toMatchObject({ name: 'fragile', role: 'owner', position: '0', caughtUp: false, lastError: { message: 'disk on fire' } });
    expect(status.lagSeconds).toBe(90);

    broken = false;
    await reaches(failing, head);
    const { rows } = await db.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM projection_fragile.seen');
    expect(rows[0]!.count).toBe((await storedEvents(db.pool)).count);
    expect(await failing.status()).toMatchObject({ failures: 0, caughtUp: true, lagSeconds: 0, lastError: null });
  });

  it('counts no failures once the store answers again, even with nothing new to apply (readiness after an outage)', async () => {
    let unreachable = true;
    const flaky = Object.create(eventStore) as PostgresEventStore;
    flaky.readAll = (options) => (unreachable ? Promise.reject(new Error('connect ECONNREFUSED')) : eventStore.readAll(options));
    await reader.stop();
    reader = new SharedReader(flaky);
    const runner = startRunner(billingProjection);
    await waitFor(async () => (await runner.status()).failures >= 1, 'a failed read');
    unreachable = false;
    await waitFor(async () => (await runner.status()).failures === 0, 'the failures to clear with nothing to apply');
    expect(await runner.status()).toMatchObject({ caughtUp: true, position: '0', lastError: null });
  });

  it("has the server probe its lease session after 10 s idle, so a lost owner's lease goes in seconds, not hours", async () => {
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      const runner = startRunner(billingProjection);
      await waitFor(async () => (await runner.status()).role === 'owner', 'the lease');
      const at = query.mock.calls.findIndex(([sql]) => typeof sql === 'string' && sql.includes('pg_try_advisory_lock'));
      const lease = query.mock.contexts[at] as Client;
      const { rows } = await lease.query('SELECT current_setting($1) AS idle, current_setting($2) AS count', ['tcp_keepalives_idle', 'tcp_keepalives_count']);
      expect(rows[0]).toEqual({ idle: '10', count: '3' });
    } finally {
      query.mockRestore();
    }
  });

  it('gives one process the projection; a standby takes over when the owner stops', async () => {
    await appendContracts(eventStore, 3);
    const first = startRunner(billingProjection);
    await reaches(first, await lastPosition());
    const second = startRunner(billingProjection);
    await waitFor(async () => (await second.status()).role === 'standby', 'the standby');
    expect((await first.status()).role).toBe('owner');

    await first.stop();
    await appendContracts(eventStore, 3);
    await reaches(second, await lastPosition());
    expect((await second.status()).role).toBe('owner');
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(await cleanReplay(billingProjection));
  });

  it('rebuilds into fresh tables and swaps them in while the runner keeps applying new events', async () => {
    await appendContracts(eventStore, 20);
    const runner = startRunner(billingProjection);
    const progress: bigint[] = [];
    const writing = appendContracts(eventStore, 20);
    const rebuilt = await rebuild({ pool: db.pool, eventStore, projection: billingProjection, batchSize: 5, onProgress: (p) => progress.push(p.position) });
    await writing;
    expect(rebuilt.events).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => (a < b ? -1 : 1)));
    await reaches(runner, await lastPosition());
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(await cleanReplay(billingProjection));
    const { rows } = await db.pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'projection_billing%' ORDER BY 1`);
    expect(rows.map((r) => r.nspname)).toEqual(['projection_billing', 'projection_billing_clean']);
  });

  it('catches the fresh tables up to the live checkpoint inside the swap, and runs one rebuild of a projection at a time', async () => {
    await appendContracts(eventStore, 10);
    const runner = startRunner(billingProjection);
    await reaches(runner, await lastPosition());
    // The rebuild's first read waits: meanwhile more events come and the live runner applies them,
    // past the head the rebuild replays up to.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    let waiting!: () => void;
    const atFirstRead = new Promise<void>((resolve) => (waiting = resolve));
    const gated = Object.create(eventStore) as PostgresEventStore;
    gated.readAll = async (options) => {
      if (reads++ === 0) {
        waiting();
        await released;
      }
      return eventStore.readAll(options);
    };
    const rebuilding = rebuild({ pool: db.pool, eventStore: gated, projection: billingProjection, batchSize: 5 });
    await atFirstRead;
    await expect(rebuild({ pool: db.pool, eventStore, projection: billingProjection })).rejects.toThrow('projection billing is already being rebuilt');
    await appendContracts(eventStore, 5);
    const live = await lastPosition();
    await reaches(runner, live);
    release();

    const rebuilt = await rebuilding;
    expect(rebuilt.position).toBe(live); // not the head it started from: the swap applied the rest
    expect((await readCheckpoint(db.pool, liveSchema('billing')))!.position).toBe(live);
    expect((await runner.status()).failures).toBe(0);
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(await cleanReplay(billingProjection));
  });

  it('swaps a rebuild in after a live schema created meanwhile (a first start racing the rebuild), not beside it', async () => {
    await appendContracts(eventStore, 3);
    const firstStart = await db.pool.connect();
    try {
      await firstStart.query('BEGIN');
      await createProjectionSchema(firstStart, billingProjection, liveSchema('billing'));
      const rebuilt = rebuild({ pool: db.pool, eventStore, projection: billingProjection, batchSize: 5 });
      await untilBlockedOnLock(db.pool, 'the rebuild, to swap'); // it replays, then waits on the schema created meanwhile
      await firstStart.query('COMMIT');
      await rebuilt;
    } finally {
      firstStart.release();
    }
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(await cleanReplay(billingProjection));
  });

  it('sees a live schema committed while it waited for the schema lock, though its connection had looked for it before', async () => {
    const schema = liveSchema('billing');
    const [swap, firstStart] = [await db.pool.connect(), await db.pool.connect()];
    try {
      // This backend now remembers "no such schema" (as to_regclass, which readCheckpoint once used, left it).
      await swap.query('SELECT to_regnamespace($1)', [schema]);
      expect(await readCheckpoint(swap, schema)).toBeUndefined();
      await firstStart.query('BEGIN');
      await createProjectionSchema(firstStart, billingProjection, schema);
      await swap.query('BEGIN');
      const locked = lockSchemaName(swap, schema);
      await untilBlockedOnLock(db.pool, 'the swap, for the schema lock');
      await firstStart.query('COMMIT');
      await locked;
      expect(await readCheckpoint(swap, schema)).toEqual({ position: 0n, version: billingProjection.version });
      await swap.query('COMMIT');
    } finally {
      swap.release();
      firstStart.release();
    }
  });

  it('rebuilds after one stopped between its swap and the drop of the old tables (their schema left behind)', async () => {
    await appendContracts(eventStore, 3);
    await rebuild({ pool: db.pool, eventStore, projection: billingProjection });
    await db.pool.query(`CREATE SCHEMA ${liveSchema('billing')}_retired`);
    await db.pool.query(`CREATE TABLE ${liveSchema('billing')}_retired.contracts (stale int)`);
    await appendContracts(eventStore, 2);
    await rebuild({ pool: db.pool, eventStore, projection: billingProjection });
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(await cleanReplay(billingProjection));
    const { rows } = await db.pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'projection_billing%' ORDER BY 1`);
    expect(rows.map((r) => r.nspname)).toEqual(['projection_billing', 'projection_billing_clean']);
  });

  it('refuses to rebuild from a store that ends before the live checkpoint (a wrong or empty store), changing nothing', async () => {
    await appendContracts(eventStore, 3);
    const runner = startRunner(billingProjection);
    await reaches(runner, await lastPosition());
    await runner.stop();
    const before = await dumpSchema(db.pool, liveSchema('billing'));
    const empty = new InMemoryEventStore();
    await expect(rebuild({ pool: db.pool, eventStore: empty, projection: billingProjection })).rejects.toThrow(
      `projection billing: the event store ends at position 0, before the live read model's checkpoint ${await lastPosition()}`,
    );
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(before);
    const { rows } = await db.pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'projection_billing%' ORDER BY 1`);
    expect(rows.map((r) => r.nspname)).toEqual(['projection_billing']);
    // After a move between stores, whose positions differ, the operator says so and it rebuilds.
    const moved = new InMemoryEventStore();
    await appendContracts(moved, 1);
    const rebuilt = await rebuild({ pool: db.pool, eventStore: moved, projection: billingProjection, fromAnotherStore: true });
    expect(rebuilt.events).toBe((await moved.readAll()).length);
  });

  it('refuses to read on from a checkpoint past the store\'s end (a wrong or restored store): unready, nothing applied, until rebuilt', async () => {
    await appendContracts(eventStore, 3);
    const first = startRunner(billingProjection);
    await reaches(first, await lastPosition());
    await first.stop();
    const before = await dumpSchema(db.pool, liveSchema('billing'));
    // Another store, whose positions end below the live checkpoint: its events would be skipped.
    const other = new InMemoryEventStore();
    await appendContracts(other, 2);
    const runner = new ProjectionRunner({ pool: db.pool, eventStore: other, projection: billingProjection, log: () => undefined, maxBackoffMs: 200 });
    runners.push(runner);
    runner.start();
    const status = await waitFor(async () => {
      const s = await runner.status();
      return s.failures >= 2 && s;
    }, 'the refusal');
    expect(status.lastError!.message).toContain(`before the live read model's checkpoint ${await lastPosition()}`);
    expect(holdsBackReadiness(status)).toBe(true);
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(before);
    // The operator rebuilds from the other store; the runner reads on from there.
    await rebuild({ pool: db.pool, eventStore: other, projection: billingProjection, fromAnotherStore: true });
    await appendContracts(other, 1);
    const head = (await other.readAll()).at(-1)!.position;
    await reaches(runner, head);
    expect((await runner.status()).failures).toBe(0);
  });

  it('fails a rebuild whose lock connection is lost, instead of crashing the process or swapping', async () => {
    await appendContracts(eventStore, 3);
    const lockGone = async () => {
      const { rows } = await db.pool.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [0x5245_4255],
      );
      return rows.length === 0;
    };
    let first = true;
    const stalled: Projection = {
      ...billingProjection,
      name: 'stalled',
      async apply(tx, events) {
        if (first) {
          first = false;
          // Kill the lock's backend while this batch is in flight; go on once its client has heard.
          await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid`, [0x5245_4255]);
          await waitFor(lockGone, 'the rebuild lock to go');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await billingProjection.apply(tx, events);
      },
    };
    await expect(rebuild({ pool: db.pool, eventStore, projection: stalled, batchSize: 1 })).rejects.toThrow('projection stalled: rebuild lock lost');
    const { rows } = await db.pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'projection_stalled%'`);
    expect(rows.map((r) => r.nspname)).toEqual(['projection_stalled_next']); // left to resume, never swapped in
  });

  it('leaves live tables of a newer version alone and lets the newer code take the projection (rolling deploy)', async () => {
    await appendContracts(eventStore, 3);
    const next = { ...billingProjection, version: billingProjection.version + 1 };
    const newer = startRunner(next);
    await reaches(newer, await lastPosition());
    await newer.stop();

    const logs: string[] = [];
    const older = new ProjectionRunner({ pool: db.pool, eventStore, reader, projection: billingProjection, log: (entry) => logs.push(entry.msg), standbyPollMs: 20 });
    runners.push(older);
    older.start();
    await waitFor(async () => (await older.status()).role === 'superseded', 'the older code to stand aside');
    // Polling on (every 20 ms here) it stays superseded, never briefly "owner" (and ready), and says so once.
    const roles = new Set<string>();
    for (let i = 0; i < 40; i++) {
      roles.add((await older.status()).role);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect([...roles]).toEqual(['superseded']);
    expect(logs.filter((msg) => msg === 'projection lease taken' || msg === 'projection superseded')).toEqual(['projection lease taken', 'projection superseded']);
    expect((await older.status()).lastError?.message).toMatch(/^the live tables are version \d+, this code's is \d+: left to newer code/);
    expect(holdsBackReadiness(await older.status())).toBe(true); // nothing applies events until newer code runs
    expect(readinessDetails([await older.status()]).billing).not.toHaveProperty('lastError'); // a public probe: no error text
    const again = startRunner(next); // the lease is free for it: no rebuild back and forth
    await appendContracts(eventStore, 2);
    await reaches(again, await lastPosition());
    expect((await again.status()).role).toBe('owner');
    expect((await db.pool.query('SELECT version FROM projection_billing.checkpoint')).rows[0].version).toBe(next.version);
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(await cleanReplay(next));
  });

  it('rebuilds on start when the code has a new version of the projection', async () => {
    await appendContracts(eventStore, 4);
    const v1 = startRunner(billingProjection);
    await reaches(v1, await lastPosition());
    await v1.stop();
    await db.pool.query('DELETE FROM projection_billing.contracts'); // what v1 left behind is not trusted

    const next = { ...billingProjection, version: billingProjection.version + 1 };
    const v2 = startRunner(next);
    await waitFor(async () => (await db.pool.query('SELECT version FROM projection_billing.checkpoint')).rows[0].version === next.version, 'v2');
    await reaches(v2, await lastPosition());
    expect(await dumpSchema(db.pool, liveSchema('billing'))).toEqual(await cleanReplay(next));
  });
});
