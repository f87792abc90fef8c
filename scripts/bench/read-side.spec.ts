import { PostgresEventStore } from '@app/event-store';
import { appendContracts, storedEvents } from '../../libs/projections/src/testing/contracts';
import { probeProjection } from '../../libs/projections/src/testing/probe.projection';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { measureCatchUp } from './read-side';

describe('bench catch-up measurement', () => {
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
});
