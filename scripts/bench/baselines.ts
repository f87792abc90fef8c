import type { Pool } from 'pg';

/**
 * The reference figures re-measured in the same run (issue 7 quotes them as measured on
 * this kind of box before any code: raw catch-up ~95k events/s, Nest + Fastify + one INSERT per
 * request 5-7k requests/s). Plain `pg`, none of our code: they say what this box does today, so
 * the absolute targets set from them can be read against it.
 */

/** As REPLAY_PAGE: pages of 5,000, the next requested before this one is used. */
const PAGE = 5_000;

interface RawEvent {
  position: string;
  stream_id: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: unknown;
}

/** Every event in order, keyset by position, each page requested before the last is handed on. */
async function readEveryEvent(pool: Pool, page: number, use: (events: RawEvent[]) => Promise<void> | void): Promise<number> {
  const read = (after: string) =>
    pool.query<RawEvent>('SELECT position, stream_id, revision, type, data, metadata FROM events WHERE position > $1 ORDER BY position LIMIT $2', [after, page]).then((r) => r.rows);
  let events = 0;
  let next = read('0');
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return events;
    next = read(rows[rows.length - 1]!.position);
    await use(rows);
    events += rows.length;
  }
}

/** Reading alone: every event read and parsed by `pg` (JSON columns with `JSON.parse`), nothing folded. */
export async function measureRawRead(pool: Pool, page = PAGE): Promise<{ events: number; eventsPerSec: number }> {
  const started = performance.now();
  const events = await readEveryEvent(pool, page, () => undefined);
  return { events, eventsPerSec: events / ((performance.now() - started) / 1000) };
}

/**
 * Raw catch-up: the same read, and per page one transaction with one batched upsert (a row per
 * stream: its last revision, position and type, and how many events it has) and the checkpoint.
 * What a projection costs at the least: no fold, no state, one table.
 */
export async function measureRawCatchUp(pool: Pool, page = PAGE): Promise<{ events: number; eventsPerSec: number }> {
  await pool.query(`
    DROP TABLE IF EXISTS raw_streams, raw_checkpoint;
    CREATE TABLE raw_streams (stream_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL, events INTEGER NOT NULL);
    CREATE TABLE raw_checkpoint (position BIGINT NOT NULL);
    INSERT INTO raw_checkpoint VALUES (0)`);
  const started = performance.now();
  const events = await readEveryEvent(pool, page, async (rows) => {
    const last = new Map<string, { event: RawEvent; count: number }>();
    for (const event of rows) last.set(event.stream_id, { event, count: (last.get(event.stream_id)?.count ?? 0) + 1 });
    const streams = [...last.values()];
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO raw_streams (stream_id, revision, position, type, events)
         SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::int[])
         ON CONFLICT (stream_id) DO UPDATE
           SET revision = EXCLUDED.revision, position = EXCLUDED.position, type = EXCLUDED.type, events = raw_streams.events + EXCLUDED.events`,
        [streams.map((s) => s.event.stream_id), streams.map((s) => s.event.revision), streams.map((s) => s.event.position), streams.map((s) => s.event.type), streams.map((s) => s.count)],
      );
      await client.query('UPDATE raw_checkpoint SET position = $1', [rows[rows.length - 1]!.position]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await pool.query<{ n: number }>('SELECT sum(events)::int AS n FROM raw_streams');
  if (rows[0]!.n !== events) throw new Error(`raw catch-up counted ${rows[0]!.n} events, read ${events}`);
  return { events, eventsPerSec: events / seconds };
}
