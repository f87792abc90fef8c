import { PostgresEventStore } from '@app/event-store';
import { appendContracts, storedEvents } from '../../libs/projections/src/testing/contracts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { floorInserter } from './appends';
import { measureRawCatchUp, measureRawRead } from './baselines';

describe("bench: the issue's reference figures", () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    db = await createTestDatabase();
    store = await PostgresEventStore.create({ pool: db.pool });
    await appendContracts(store, 5); // 8 events: three contracts opened and paid, two opened
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('raw catch-up reads every event across pages and upserts each stream to its last event', async () => {
    const { count } = await storedEvents(db.pool);
    const result = await measureRawCatchUp(db.pool, 3);
    expect(result.events).toBe(count);
    const { rows } = await db.pool.query<{ stream_id: string; revision: number; events: number; head: number }>(
      `SELECT r.stream_id, r.revision, r.events, (SELECT max(revision) FROM events e WHERE e.stream_id = r.stream_id) AS head FROM raw_streams r`,
    );
    const streams = await db.pool.query<{ n: number }>('SELECT count(DISTINCT stream_id)::int AS n FROM events');
    expect(rows).toHaveLength(streams.rows[0]!.n);
    for (const row of rows) {
      expect(row.revision).toBe(row.head);
      expect(row.events).toBe(row.head + 1);
    }
    const checkpoint = await db.pool.query<{ position: string }>('SELECT position FROM raw_checkpoint');
    expect(BigInt(checkpoint.rows[0]!.position)).toBe((await storedEvents(db.pool)).last);
  });

  it('raw read counts every event, page after page', async () => {
    const { count } = await storedEvents(db.pool);
    expect((await measureRawRead(db.pool, 3)).events).toBe(count);
  });

  it("the floor's INSERT stores one row per call, each under a new stream", async () => {
    const [event] = (await store.readAll({ limit: 1 }));
    const insert = await floorInserter(db.pool, { id: event!.id, type: event!.type, version: event!.version, data: event!.data, metadata: event!.metadata });
    await insert();
    await insert();
    const { rows } = await db.pool.query<{ n: number; streams: number }>('SELECT count(*)::int AS n, count(DISTINCT stream_id)::int AS streams FROM floor_events');
    expect(rows[0]).toEqual({ n: 2, streams: 2 });
  });
});
