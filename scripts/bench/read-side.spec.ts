import { PostgresEventStore } from '@app/event-store';
import { appendContracts, storedEvents } from '../../libs/projections/src/testing/contracts';
import { probeProjection } from '../../libs/projections/src/testing/probe.projection';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { liveSchema } from '@app/projections';
import { measureCatchUp, mostBehindLag } from './read-side';

describe('bench read-side measurements', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    db = await createTestDatabase();
    store = await PostgresEventStore.create({ pool: db.pool });
    await appendContracts(store, 1);
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('waits until every projection is caught up and counts events per second', async () => {
    const { count } = await storedEvents(db.pool);
    const result = await measureCatchUp(db.pool, store, count, [probeProjection]);
    expect(result.eventsPerSec).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM projection_probe.applied');
    expect(rows[0]!.n).toBe(count);
  });

  it('fails, naming the projection and its error, when a projection keeps failing, instead of waiting for ever', async () => {
    const broken = {
      ...probeProjection,
      apply: async () => {
        throw new Error('compression method lz4 not supported');
      },
    };
    await expect(measureCatchUp(db.pool, store, 1, [broken])).rejects.toThrow(/probe failed 3 times in a row: compression method lz4 not supported/);
  }, 30_000);

  const setCheckpoint = (name: string, position: bigint) => db.pool.query(`UPDATE ${liveSchema(name)}.checkpoint SET position = $1`, [position]);

  it('reads the age of the oldest event the most behind projection has not applied, and 0 once all are caught up', async () => {
    // A second append a few ms later: the event after a checkpoint and the one at it are recorded at different times.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await appendContracts(store, 1);
    for (const name of ['ahead', 'behind']) {
      await db.pool.query(`CREATE SCHEMA ${liveSchema(name)}; CREATE TABLE ${liveSchema(name)}.checkpoint (position BIGINT NOT NULL); INSERT INTO ${liveSchema(name)}.checkpoint VALUES (0)`);
    }
    const events = await store.readAll({ fromPosition: 0n, limit: 100 });
    const lag = mostBehindLag(db.pool, store, ['ahead', 'behind']);
    await setCheckpoint('ahead', events.at(-1)!.position);
    const next = events.findIndex((event) => event.recordedAt.getTime() > events[0]!.recordedAt.getTime());
    expect(next).toBeGreaterThan(0);
    await setCheckpoint('behind', events[next - 1]!.position);
    const now = events[next]!.recordedAt.getTime() + 1_234;
    expect(await lag(now)).toBe(1_234);
    await setCheckpoint('behind', events.at(-1)!.position);
    expect(await lag(now)).toBe(0);
  });
});
