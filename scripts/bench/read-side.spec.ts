import { PostgresEventStore } from '@app/event-store';
import type { Projection } from '@app/projections';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { measureCatchUp } from './read-side';

describe('bench catch-up measurement', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    db = await createTestDatabase();
    store = await PostgresEventStore.create({ pool: db.pool });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  const appendOne = (eventId: string) =>
    store.append('probe-1', [{ id: eventId, type: 'Probed', version: 1, data: {}, metadata: { eventId, correlationId: 'c', actor: { sub: 's', role: 'ops' }, channel: 'test', occurredAt: new Date().toISOString() } }], 'no_stream');

  const probe = (apply: Projection['apply']): Projection => ({
    name: 'bench_probe',
    version: 1,
    tables: ['CREATE TABLE applied (position BIGINT NOT NULL)'],
    handles: () => true,
    apply,
  });

  it('waits until every projection is caught up and counts events per second', async () => {
    await appendOne('00000000-0000-4000-8000-000000000001');
    const applied = probe(async (tx, events) => {
      await tx.query('INSERT INTO applied (position) SELECT unnest($1::bigint[])', [events.map((event) => event.position.toString())]);
    });
    const result = await measureCatchUp(db.pool, store, 1, [applied]);
    expect(result.eventsPerSec).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM projection_bench_probe.applied');
    expect(rows[0]!.n).toBe(1);
  });

  it('fails, naming the projection and its error, when a projection keeps failing, instead of waiting for ever', async () => {
    await appendOne('00000000-0000-4000-8000-000000000002');
    const broken = probe(async () => {
      throw new Error('compression method lz4 not supported');
    });
    await expect(measureCatchUp(db.pool, store, 1, [broken])).rejects.toThrow(/bench_probe failed 3 times in a row: compression method lz4 not supported/);
  }, 30_000);
});
