import type { Pool, PoolClient, QueryResult } from 'pg';
import type { RecordedEvent } from '@app/event-store';
import type { Projection } from './projection';

export interface Checkpoint {
  /** Position of the last event the rows include (handled or not); 0n before the first. */
  position: bigint;
  version: number;
}

/** The projection's checkpoint moved under the runner (a rebuild swapped in, or another owner ran). */
export class CheckpointMoved extends Error {
  constructor(
    readonly schema: string,
    readonly expected: bigint,
    readonly actual: bigint,
  ) {
    super(`${schema}: checkpoint is at ${actual}, expected ${expected}`);
    this.name = 'CheckpointMoved';
  }
}

/** The live tables were built by another version of the projection: they must be rebuilt first. */
export class VersionMismatch extends Error {
  constructor(
    readonly schema: string,
    readonly stored: number,
    readonly code: number,
  ) {
    super(`${schema}: tables are version ${stored}, this code is version ${code}; rebuild it`);
    this.name = 'VersionMismatch';
  }
}

export async function withTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  return ownTransaction(pool, async (tx) => {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  });
}

/** A client for `work`, which begins and commits itself; rolled back if it throws. */
async function ownTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    return await work(tx);
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}

/** Schema names are built from `liveSchema` (checked), never from input: safe to inline. */
export async function useSchema(tx: PoolClient, schema: string): Promise<void> {
  await tx.query(`SET LOCAL search_path TO ${schema}`);
}

/**
 * Asks the catalog with a query, not `to_regclass`: that takes no lock and answers from the
 * backend's name cache, which waiting on an advisory lock inside a transaction does not refresh,
 * so a swap that waited for a first start's schema still saw "no schema" if its connection had
 * looked before. The query reads pg_class with the statement's own snapshot, fresh under READ
 * COMMITTED (our transactions' level); a later statement naming the table locks it, and that
 * lookup refreshes the cache and retries.
 */
export async function readCheckpoint(db: Pool | PoolClient, schema: string): Promise<Checkpoint | undefined> {
  const exists = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'checkpoint') AS found`,
    [schema],
  );
  if (!exists.rows[0]!.found) return undefined;
  const { rows } = await db.query<{ position: bigint; version: number }>(`SELECT position, version FROM ${schema}.checkpoint`);
  return { position: rows[0]!.position, version: rows[0]!.version };
}

const SCHEMA_LOCK_CLASS = 0x5343_484d; // "SCHM"

/**
 * Serialises, until `tx` ends, whatever creates or replaces the schema of that name: a runner's
 * first start and a rebuild's swap could otherwise both find no live schema and both make one.
 */
export async function lockSchemaName(tx: PoolClient, schema: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SCHEMA_LOCK_CLASS, schema]);
}

/** Creates the schema with the projection's tables and a checkpoint at 0, inside `tx`. */
export async function createProjectionSchema(tx: PoolClient, projection: Projection, schema: string): Promise<void> {
  await lockSchemaName(tx, schema);
  await tx.query(`CREATE SCHEMA ${schema}`);
  await useSchema(tx, schema);
  for (const ddl of projection.tables) await tx.query(ddl);
  await tx.query(`
    CREATE TABLE checkpoint (
      singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
      version   INTEGER NOT NULL,
      position  BIGINT  NOT NULL
    )`);
  await tx.query('INSERT INTO checkpoint (version, position) VALUES ($1, 0)', [projection.version]);
}

/**
 * Applies one batch and moves the checkpoint to its last event, in the caller's transaction.
 * The checkpoint row is locked and compared with `expected`: a second writer (a lost lease, a
 * swapped-in rebuild) makes this throw instead of applying anything twice.
 */
export async function applyBatch(
  tx: PoolClient,
  projection: Projection,
  schema: string,
  batch: readonly RecordedEvent[],
  expected: bigint,
): Promise<bigint> {
  await useSchema(tx, schema);
  const { rows } = await tx.query<CheckpointRow>(LOCK_CHECKPOINT);
  await applyAfterCheck(tx, projection, schema, batch, expected, rows[0]!);
  const last = batch[batch.length - 1]!.position;
  await tx.query('UPDATE checkpoint SET position = $1', [last]);
  return last;
}

/**
 * `applyBatch` in a transaction of its own, in three round trips plus the projection's own
 * statements instead of six: under load every projection commits a batch many times a second,
 * and each round trip costs both processes CPU. Same statements, same checks, same atomicity.
 */
export async function commitBatch(
  pool: Pool,
  projection: Projection,
  schema: string,
  batch: readonly RecordedEvent[],
  expected: bigint,
): Promise<bigint> {
  return ownTransaction(pool, async (tx) => {
    // Simple protocol, several statements: the schema is checked (`liveSchema`) and the position
    // is a bigint's digits, both safe to inline.
    const opened = (await tx.query(`BEGIN; SET LOCAL search_path TO ${schema}; ${LOCK_CHECKPOINT}`)) as unknown as QueryResult<CheckpointRow>[];
    await applyAfterCheck(tx, projection, schema, batch, expected, opened[2]!.rows[0]!);
    const last = batch[batch.length - 1]!.position;
    await tx.query(`UPDATE checkpoint SET position = ${last.toString()}; COMMIT`);
    return last;
  });
}

interface CheckpointRow {
  position: bigint;
  version: number;
}

const LOCK_CHECKPOINT = 'SELECT position, version FROM checkpoint FOR UPDATE';

async function applyAfterCheck(
  tx: PoolClient,
  projection: Projection,
  schema: string,
  batch: readonly RecordedEvent[],
  expected: bigint,
  current: CheckpointRow,
): Promise<void> {
  if (current.version !== projection.version) throw new VersionMismatch(schema, current.version, projection.version);
  if (current.position !== expected) throw new CheckpointMoved(schema, expected, current.position);
  const handled = batch.filter((event) => projection.handles(event.type));
  if (handled.length > 0) await projection.apply(tx, handled);
}
