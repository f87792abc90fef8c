import { Client, type Pool, type PoolClient } from 'pg';
import type { EventStore } from '@app/event-store';
import { liveSchema, type Projection } from './projection';
import { nextLimit, SharedReader } from './shared-reader';
import { applyBatch, commitBatch, createProjectionSchema, lockSchemaName, readCheckpoint, useSchema, withTransaction } from './store';

export interface RebuildProgress {
  position: bigint;
  /** The head when the rebuild started: what "done" is measured against. */
  total: bigint;
  events: number;
  eventsPerSecond: number;
  /** Estimated seconds left, from how fast positions advance (they are not dense). */
  etaSeconds: number | null;
}

export interface RebuildOptions {
  pool: Pool;
  eventStore: EventStore;
  projection: Projection;
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** Wall-clock milliseconds, for the rate (defaults to the process's monotonic clock). */
  elapsedMs?: () => number;
  /** Aborted: stop before the next batch, throwing its reason. */
  signal?: AbortSignal;
  /**
   * The live read model was built from another event store (a cut-over between stores, whose
   * positions differ): rebuild from this one though it ends before the live checkpoint.
   */
  fromAnotherStore?: boolean;
}

/** Per-projection key space for the rebuild lock (the runner's lease uses another). */
const REBUILD_LOCK_CLASS = 0x5245_4255; // "REBU"

/**
 * Replays every event into `<schema>_next` while the live tables keep serving, then swaps them in
 * one transaction. The swap locks the live checkpoint (ACCESS EXCLUSIVE), which waits for the
 * running batch and holds off the next one; the fresh tables first catch up to the live
 * checkpoint, so the live runner resumes where it was (it sees the new checkpoint through the
 * same name). Only one rebuild of a projection runs at a time.
 */
export async function rebuild(options: RebuildOptions): Promise<{ position: bigint; events: number }> {
  const { pool, projection } = options;
  const lock = new Client(pool.options);
  // Losing the lock's connection (PostgreSQL restarted, the backend killed) releases the lock, so
  // another rebuild may start: stop this one at its next batch. Without a listener, the idle
  // client's 'error' event would crash the process.
  const lockLost = new AbortController();
  lock.on('error', (error) => lockLost.abort(new Error(`projection ${projection.name}: rebuild lock lost: ${error.message}`)));
  await lock.connect();
  try {
    const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
      REBUILD_LOCK_CLASS,
      projection.name,
    ]);
    if (!rows[0]!.locked) throw new Error(`projection ${projection.name} is already being rebuilt`);
    const schema = liveSchema(projection.name);
    const live = await readCheckpoint(pool, schema);
    if (live && !options.fromAnotherStore) await refuseStoreBehind(options.eventStore, projection.name, live.position);
    const next = `${schema}_next`;
    await pool.query(`DROP SCHEMA IF EXISTS ${next} CASCADE`);
    // Left by a rebuild stopped after its swap, while its drop waited for the old tables' readers:
    // the swap below renames the live schema to this name.
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}_retired CASCADE`);
    await withTransaction(pool, (tx) => createProjectionSchema(tx, projection, next));
    const replayed = await replayInto({ ...options, schema: next, signal: lockLost.signal });
    const position = await withTransaction(pool, async (tx) => {
      lockLost.signal.throwIfAborted();
      await lockSchemaName(tx, schema);
      const live = await readCheckpoint(tx, schema);
      let at = replayed.position;
      if (live) {
        await tx.query(`LOCK TABLE ${schema}.checkpoint IN ACCESS EXCLUSIVE MODE`);
        const { rows: current } = await tx.query<{ position: bigint }>(`SELECT position FROM ${schema}.checkpoint`);
        at = await catchUp(tx, options, next, at, current[0]!.position);
        await tx.query(`ALTER SCHEMA ${schema} RENAME TO ${schema}_retired`);
      }
      await tx.query(`ALTER SCHEMA ${next} RENAME TO ${schema}`);
      return at;
    });
    // Apart from the swap: dropping waits for readers still on the old tables, not the reverse.
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}_retired CASCADE`);
    return { position, events: replayed.events };
  } finally {
    await lock.end().catch(() => undefined);
  }
}

/**
 * A store that ends before the live read model's checkpoint is not the store it was built from (a
 * wrong KURRENTDB_URL or DATABASE_URL, an empty cluster, a store restored from an older copy): a
 * rebuild from it would swap an empty or partial read model in for the live one, and a runner
 * would skip every new event up to the checkpoint.
 */
export async function refuseStoreBehind(eventStore: EventStore, projection: string, checkpoint: bigint): Promise<void> {
  const head = await eventStore.headPosition();
  if (head < checkpoint) {
    throw new Error(
      `projection ${projection}: the event store ends at position ${head}, before the live read model's checkpoint ${checkpoint}; ` +
        'it is not the store this read model was built from (check EVENT_STORE, KURRENTDB_URL, DATABASE_URL; after a move between stores, rebuild --from-another-store). Nothing was changed',
    );
  }
}

/**
 * Replays from the schema's checkpoint up to the head seen at the start, batch by batch, each in
 * its own transaction with the checkpoint (a crash leaves a consistent, resumable schema).
 */
export async function replayInto(options: RebuildOptions & { schema: string }): Promise<{ position: bigint; events: number }> {
  const { pool, eventStore, projection, schema, batchSize = 500 } = options;
  const elapsedMs = options.elapsedMs ?? (() => performance.now());
  const startedAt = elapsedMs();
  const total = await eventStore.headPosition();
  const start = (await readCheckpoint(pool, schema))?.position ?? 0n;
  let position = start;
  let events = 0;
  // Reads the next page while this one is applied, and grows batches as the runner's catch-up does.
  const reader = new SharedReader(eventStore);
  let limit = batchSize;
  try {
    while (position < total) {
      options.signal?.throwIfAborted();
      const page = await reader.read(position, limit);
      const batch = page.events.filter((event) => event.position <= total);
      if (batch.length === 0) break;
      position = await commitBatch(pool, projection, schema, batch, position);
      limit = nextLimit(page, limit, batchSize);
      events += batch.length;
      const seconds = Math.max((elapsedMs() - startedAt) / 1000, 1e-3);
      const positionsPerSecond = Number(position - start) / seconds;
      options.onProgress?.({
        position,
        total,
        events,
        eventsPerSecond: events / seconds,
        etaSeconds: positionsPerSecond > 0 ? Number(total - position) / positionsPerSecond : null,
      });
    }
  } finally {
    await reader.stop();
  }
  return { position, events };
}

/** Inside the swap transaction: apply what the live tables have and the fresh ones not yet. */
async function catchUp(tx: PoolClient, options: RebuildOptions, schema: string, from: bigint, to: bigint): Promise<bigint> {
  let position = from;
  while (position < to) {
    const batch = (await options.eventStore.readAll({ fromPosition: position, limit: options.batchSize ?? 500 })).filter(
      (event) => event.position <= to,
    );
    if (batch.length === 0) break;
    position = await applyBatch(tx, options.projection, schema, batch, position);
  }
  await useSchema(tx, 'public');
  return position;
}
