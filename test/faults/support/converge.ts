import type { Pool } from 'pg';
import { readSideProjections } from '../../../apps/projector/src/read-side';
import { PostgresEventStore } from '../../../libs/event-store/src';
import { loadConfig } from '../../../libs/platform/src';
import { createProjectionSchema, liveSchema, readCheckpoint, replayInto, withTransaction } from '../../../libs/projections/src';
import { sleep } from './service';

export interface ProjectionComparison {
  projection: string;
  rows: number;
  /** Rows present on one side only (as a multiset of whole rows). */
  differences: number;
  samples: string[];
}

/**
 * Waits until every projection the service runs has applied the whole event store, then replays
 * each one from position 0 into a fresh schema (the rebuild machinery's `replayInto`) and compares
 * every table row for row. The notifications projection also feeds the SMS outbox, which a replay
 * only inserts into when a message is missing: the outbox row count must not change.
 */
export async function compareWithRebuild(pool: Pool, dataDir: string, timeoutMs = 60_000): Promise<ProjectionComparison[]> {
  const projections = readSideProjections(loadConfig({ DATA_DIR: dataDir }));
  const eventStore = await PostgresEventStore.create({ pool });
  try {
    const head = await eventStore.headPosition();
    const deadline = Date.now() + timeoutMs;
    for (const projection of projections) {
      for (;;) {
        const checkpoint = await readCheckpoint(pool, liveSchema(projection.name));
        if (checkpoint && checkpoint.position >= head) break;
        if (Date.now() > deadline) throw new Error(`projection ${projection.name} at ${checkpoint?.position} did not reach head ${head} within ${timeoutMs} ms`);
        await sleep(200);
      }
    }
    const outboxBefore = await countRows(pool, 'public.sms_outbox');
    const results: ProjectionComparison[] = [];
    for (const projection of projections) {
      const fresh = `faults_replay_${projection.name}`;
      await pool.query(`DROP SCHEMA IF EXISTS ${fresh} CASCADE`);
      await withTransaction(pool, (tx) => createProjectionSchema(tx, projection, fresh));
      await replayInto({ pool, eventStore, projection, schema: fresh });
      results.push(await compareSchemas(pool, projection.name, liveSchema(projection.name), fresh));
      await pool.query(`DROP SCHEMA ${fresh} CASCADE`);
    }
    const outboxAfter = await countRows(pool, 'public.sms_outbox');
    results.push({
      projection: 'sms_outbox (fed by notifications)',
      rows: outboxAfter,
      differences: outboxAfter - outboxBefore,
      samples: outboxAfter === outboxBefore ? [] : [`the replay enqueued ${outboxAfter - outboxBefore} message(s) the live outbox lacked`],
    });
    return results;
  } finally {
    await eventStore.close();
  }
}

async function compareSchemas(pool: Pool, name: string, live: string, fresh: string): Promise<ProjectionComparison> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'checkpoint' ORDER BY 1`,
    [fresh],
  );
  const result: ProjectionComparison = { projection: name, rows: 0, differences: 0, samples: [] };
  for (const { table_name: table } of tables) {
    const liveRows = await rowsOf(pool, `${live}.${table}`);
    const freshRows = await rowsOf(pool, `${fresh}.${table}`);
    result.rows += liveRows.length;
    const remaining = new Map<string, number>();
    for (const row of freshRows) remaining.set(row, (remaining.get(row) ?? 0) + 1);
    for (const row of liveRows) {
      const left = remaining.get(row) ?? 0;
      if (left > 0) remaining.set(row, left - 1);
      else {
        result.differences += 1;
        if (result.samples.length < 3) result.samples.push(`${table}: live only ${row}`);
      }
    }
    for (const [row, left] of remaining) {
      if (left === 0) continue;
      result.differences += left;
      if (result.samples.length < 6) result.samples.push(`${table}: rebuild only ${row}`);
    }
  }
  return result;
}

/** Whole rows as canonical JSON text (jsonb orders keys), so rows compare as strings. */
async function rowsOf(pool: Pool, table: string): Promise<string[]> {
  const { rows } = await pool.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${table} t`);
  return rows.map((r) => r.row);
}

async function countRows(pool: Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`);
  return rows[0]!.count;
}
