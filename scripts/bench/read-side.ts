import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import type { Pool } from 'pg';
import { contractView, evolve, type ContractState } from '@app/contracts-domain';
import { ContractStreams, PostgresSnapshots, toDomainEvent } from '@app/contracts-app';
import { PostgresEventStore } from '@app/event-store';
import { migrateOutbox } from '@app/notifications';
import { SystemClock, createPool } from '@app/platform';
import { liveSchema, rebuild, startProjector, type Projection } from '@app/projections';
import { readSideProjections } from '../../apps/projector/src/read-side';
import { contractHistory } from './history';
import { benchPeople } from './people';
import { FLATNESS, percentile, type ReadFlatness, type RebuildResult } from './stats';

const EVENTS_PER_CONTRACT = 20;

/**
 * Every projection the service runs (notifications included), as apps/projector builds them, and
 * the SMS outbox they write into; no SMS is sent (no dispatcher runs here).
 */
export async function serviceProjections(pool: Pool): Promise<Projection[]> {
  await migrateOutbox(pool);
  return readSideProjections({ dataDir: tmpdir(), smsGatewayUrl: undefined });
}

/** A store of `events` events: contracts opened and paid month by month, appended a contract per call. */
export async function fillStore(store: PostgresEventStore, events: number, contractDate: string): Promise<number> {
  const people = benchPeople(Math.ceil(events / EVENTS_PER_CONTRACT), contractDate);
  const opensAt = new Date(`${contractDate}T08:00:00Z`);
  let next = 0;
  let written = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let n = next++; n < people.length; n = next++) {
        const history = contractHistory(randomUUID(), String(1_500_000_000 + n), people[n]!, opensAt, Math.min(EVENTS_PER_CONTRACT, events - n * EVENTS_PER_CONTRACT) - 1);
        await store.append(history.streamId, history.events, 'no_stream');
        written += history.events.length;
      }
    }),
  );
  return written;
}

/**
 * Vacuums and checkpoints a freshly filled store, as autovacuum leaves a store at rest: otherwise
 * whichever reads it first pays for setting every row's hint bits (PostgreSQL 2.6 s per 100,000
 * events against 1.0 s after) and for writing the pages back.
 */
export async function settleStore(pool: Pool): Promise<void> {
  await pool.query('VACUUM (ANALYZE) events');
  await pool.query('CHECKPOINT');
}

/** A projection failing this many times in a row fails the measurement instead of hanging it. */
const GIVE_UP_AFTER_FAILURES = 3;

/**
 * The projections from position 0 to the head, as the projector runs them (its batch size); events/s
 * for all of them to be caught up. The deadline runner is off: it would append to the measured store.
 */
export async function measureCatchUp(pool: Pool, store: PostgresEventStore, events: number, projections: readonly Projection[]): Promise<{ seconds: number; eventsPerSec: number }> {
  const started = performance.now();
  const projector = await startProjector({ pool, eventStore: store, clock: new SystemClock(), log: () => undefined, deadlines: false, projections });
  try {
    for (;;) {
      const statuses = await projector.status();
      if (statuses.every((s) => s.role === 'owner' && s.caughtUp)) break;
      const failing = statuses.find((s) => s.failures >= GIVE_UP_AFTER_FAILURES);
      if (failing) throw new Error(`projection ${failing.name} failed ${failing.failures} times in a row: ${failing.lastError?.message ?? 'no message'}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await projector.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, eventsPerSec: events / seconds };
}

/** Pages of 1,000 (less GC in the profile) replayed slower than 5,000 (more round trips), 0.85 ×. */
const REPLAY_PAGE = 5_000;

/**
 * Every event in global order, folded into each contract's state in memory. The next page is
 * requested before this one is folded, so PostgreSQL renders it on the other core meanwhile.
 */
export async function measureReplay(store: PostgresEventStore): Promise<{ events: number; eventsPerSec: number }> {
  const started = performance.now();
  const states = new Map<string, ContractState | undefined>();
  let events = 0;
  let next = store.readAll({ fromPosition: 0n, limit: REPLAY_PAGE });
  for (;;) {
    const page = await next;
    if (page.length === 0) break;
    next = store.readAll({ fromPosition: page[page.length - 1]!.position, limit: REPLAY_PAGE });
    for (const event of page) states.set(event.streamId, evolve(states.get(event.streamId), toDomainEvent(event)));
    events += page.length;
  }
  return { events, eventsPerSec: events / ((performance.now() - started) / 1000) };
}

/** Each projection's `rebuild` over the whole store, one after another. */
export async function measureRebuilds(pool: Pool, store: PostgresEventStore, projections: readonly Projection[]): Promise<RebuildResult[]> {
  const results: RebuildResult[] = [];
  for (const projection of projections) {
    const started = performance.now();
    const { events } = await rebuild({ pool, eventStore: store, projection });
    results.push({ projection: projection.name, events, eventsPerSec: events / ((performance.now() - started) / 1000) });
  }
  return results;
}

interface Store {
  pool: Pool;
  store: PostgresEventStore;
}

/**
 * Does reading from a position cost the same in a small and a large store? `readAll` pages by
 * position (keyset), so it should. Fills `small` (empty) with `smallEvents` of contracts, grows
 * `large` (the filled corpus) to `largeEvents`, then times reading pages after a position in
 * both, turn about, so that the machine's load hits both alike.
 */
export async function measureReadFlatness(small: Store, large: Store, contractDate: string, repeats: number): Promise<ReadFlatness> {
  const { smallEvents, largeEvents, pages, pageSize } = FLATNESS;
  await fillStore(small.store, smallEvents, contractDate);
  // The bench locating where to read from; the reads themselves page by position.
  const nearEnd = async ({ pool }: Store) => {
    const { rows } = await pool.query<{ position: string }>('SELECT position FROM events ORDER BY position DESC OFFSET $1 LIMIT 1', [pages * pageSize]);
    return BigInt(rows[0]!.position);
  };
  const sameStart = await nearEnd(large);
  await growByCopies(large.pool, largeEvents);
  const msPerPage = async ({ store }: Store, from: bigint) => {
    const started = performance.now();
    let position = from;
    for (let page = 0; page < pages; page++) {
      const events = await store.readAll({ fromPosition: position, limit: pageSize });
      if (events.length < pageSize) throw new Error(`expected ${pageSize} events after ${position}, read ${events.length}`);
      position = events[events.length - 1]!.position;
    }
    return (performance.now() - started) / pages;
  };
  const [smallStart, largeStart] = [await nearEnd(small), await nearEnd(large)];
  const samples = { small: [] as number[], nearEnd: [] as number[], sameStart: [] as number[] };
  for (let i = 0; i < repeats; i++) {
    samples.small.push(await msPerPage(small, smallStart));
    samples.nearEnd.push(await msPerPage(large, largeStart));
    samples.sameStart.push(await msPerPage(large, sameStart));
  }
  const count = async ({ pool }: Store) => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n;
  return {
    smallEvents: await count(small),
    largeEvents: await count(large),
    smallMsPerPage: percentile(samples.small, 50),
    largeNearEndMsPerPage: percentile(samples.nearEnd, 50),
    largeSameStartMsPerPage: percentile(samples.sameStart, 50),
  };
}

/**
 * Grows a store to at least `events` by copying its rows under new stream and event ids,
 * positioned as the adapter positions an append ((xid + offset) << 16 | index): the same rows and
 * index insertions as appends, in seconds rather than minutes of deciding and appending contracts.
 */
async function growByCopies(pool: Pool, events: number): Promise<void> {
  // One transaction positions at most 65,535 events (the low 16 bits): copy in chunks below that.
  const { rows: bounds } = await pool.query<{ position: string; rn: number }>(
    `SELECT position, rn::int FROM (SELECT position, row_number() OVER (ORDER BY position) AS rn, count(*) OVER () AS n FROM events) r
     WHERE rn % 50000 = 0 OR rn = n ORDER BY position`,
  );
  const original = bounds[bounds.length - 1]!.rn;
  for (let copy = 1, stored = original; stored < events; copy++, stored += original) {
    let from = 0n;
    for (const { position } of bounds) {
      await pool.query(
        `INSERT INTO events (position, stream_id, revision, event_id, type, version, data, metadata, occurred_at)
         SELECT ((pg_current_xact_id()::text::bigint + b.xid_offset) << 16) + row_number() OVER (ORDER BY e.position),
                e.stream_id || '-copy-' || $1::int, e.revision, gen_random_uuid(), e.type, e.version, e.data, e.metadata, e.occurred_at
         FROM events e, event_position_base b WHERE e.position > $2 AND e.position <= $3`,
        [copy, from, position],
      );
      from = BigInt(position);
    }
  }
}

/**
 * A contract of 360 events (opened, then 359 months paid): median time to load it in a process
 * that does not remember it (its snapshot, the events after it, fold) and to answer an auditor's
 * `asOf` halfway through its life (read up to the instant, fold, render the view), over `repeats`
 * runs each. Its snapshot is where the service's would be: written at revision 299 by a load of
 * its first 300 events (one every 100 events), so a load reads it and folds the 60 after it.
 */
export async function measureLongContract(pool: Pool, store: PostgresEventStore, contractDate: string, repeats: number): Promise<{ loadMs: number; asOfMs: number }> {
  const contractId = randomUUID();
  const [person] = benchPeople(1, contractDate);
  const history = contractHistory(contractId, '1499999999', person!, new Date(`${contractDate}T08:00:00Z`), 359);
  const snapshotted = 300;
  // A new ContractStreams for every load: one that remembers the contract reads only what is new.
  const snapshots = await PostgresSnapshots.create(pool);
  const streams = () => new ContractStreams(store, new SystemClock(), snapshots);
  await store.append(history.streamId, history.events.slice(0, snapshotted), 'no_stream');
  if ((await streams().loadExisting(contractId)).revision !== snapshotted - 1) throw new Error('the first 300 events did not load');
  // Written out of the load's way (a failed write is only logged): checked, or every timed load would fold all 360.
  if ((await snapshots.read(contractId))?.revision !== snapshotted - 1) throw new Error('the load of 300 events left no snapshot at revision 299');
  await store.append(history.streamId, history.events.slice(snapshotted), snapshotted - 1);
  const asOf = new Date(history.events[180]!.metadata.occurredAt);
  const time = async (work: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      await work();
      samples.push(performance.now() - started);
    }
    return percentile(samples, 50);
  };
  const loadMs = await time(async () => {
    const loaded = await streams().loadExisting(contractId);
    if (loaded.revision !== 359) throw new Error(`expected 360 events, loaded ${loaded.revision + 1}`);
  });
  const asOfMs = await time(async () => {
    const then = await streams().load(contractId, { asOf });
    contractView(then.state!, then.revision);
  });
  return { loadMs, asOfMs };
}

/**
 * How long (ms, at `nowMs`) the oldest event not yet applied by the most behind of these
 * projections has waited, 0 when all are caught up: as a runner's `status` finds its own lag, in
 * two statements for all of them (the lowest checkpoint, then the event after it). That is the
 * largest of their lags while `recorded_at` rises with position; appends on two connections may
 * be recorded a few ms out of order, which this can under-read by. Their checkpoint tables must
 * exist (the projector started).
 */
export function mostBehindLag(pool: Pool, store: PostgresEventStore, projectionNames: readonly string[]): (nowMs?: number) => Promise<number> {
  const checkpoints = projectionNames.map((name) => `SELECT position FROM ${liveSchema(name)}.checkpoint`);
  const lowestCheckpoint = `SELECT min(position) AS position FROM (${checkpoints.join(' UNION ALL ')}) AS checkpoints`;
  return async (nowMs = Date.now()) => {
    // Named: planned once, not at each of ~400 samples in 10 s on the cores it measures (session 19).
    const [{ position }] = (await pool.query<{ position: bigint }>({ name: 'bench_lowest_checkpoint', text: lowestCheckpoint })).rows as [{ position: bigint }];
    const [oldest] = await store.readAll({ fromPosition: position, limit: 1 });
    return oldest ? Math.max(0, nowMs - oldest.recordedAt.getTime()) : 0;
  };
}

/** Lag samples taken this often: a p99 needs more than 100 of them, or it is the single worst one. */
const LAG_SAMPLE_MS = 25;

/**
 * Samples the lag of the service's most behind projection (what `npm run projections -- status`
 * shows) every `everyMs` until stopped: two statements a sample, where a `status` of each runner
 * took four each, since the sampler shares the cores it measures.
 */
export function sampleLag(url: string, everyMs = LAG_SAMPLE_MS): { stop(): Promise<number[]> } {
  const pool = createPool(url, { max: 1, applicationName: 'bench-lag' });
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    const store = await PostgresEventStore.create({ pool });
    const lag = mostBehindLag(pool, store, (await serviceProjections(pool)).map((projection) => projection.name));
    while (running) {
      samples.push(await lag());
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    await store.close();
  })();
  // A failed sample fails the measurement at stop(), not as an unhandled rejection mid-run.
  loop.catch(() => undefined);
  return {
    async stop() {
      running = false;
      try {
        await loop;
      } finally {
        await pool.end();
      }
      return samples;
    },
  };
}
