import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { eventStoreContract, eventually, newEvent } from '../contract-suite';
import type { RecordedEvent } from '../port';
import { insertEvents, PostgresEventStore } from './postgres-event-store';

eventStoreContract('PostgreSQL', async ({ upcasters }) => {
  const db = await createTestDatabase();
  return { store: await PostgresEventStore.create({ pool: db.pool, upcasters }), cleanup: () => db.drop() };
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL event store', () => {
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

  it('never shows an event while an earlier-positioned one is still uncommitted (the sequence gap)', async () => {
    const received: RecordedEvent[] = [];
    const subscription = store.subscribe({ fromPosition: 0n, handler: async (events) => void received.push(...events) });
    const slow = await db.pool.connect();
    try {
      // A transaction takes the lower position and stays open...
      await slow.query('BEGIN');
      const [early] = await insertEvents(slow, 'contract-early', [newEvent('Early')], 'no_stream');
      // ...while a later append commits with a higher position.
      const late = await store.append('contract-late', [newEvent('Late')], 'no_stream');
      expect(early!.position).toBeLessThan(late.position);

      await sleep(300); // the subscriber has been woken by the late append and looked
      expect(await store.readAll()).toEqual([]);
      expect(await store.headPosition()).toBe(0n);
      expect(received).toEqual([]);

      await slow.query('COMMIT');
      await eventually(() => expect(received.map((event) => event.type)).toEqual(['Early', 'Late']));
      expect((await store.readAll()).map((event) => event.position)).toEqual([early!.position, late.position]);
      expect(await store.headPosition()).toBe(late.position);
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      slow.release();
      await subscription.stop();
    }
  });

  it('wakes a subscriber in another process through NOTIFY, not its idle poll', async () => {
    const listening = await PostgresEventStore.create({ pool: db.pool, idlePollMs: 60_000 });
    const received: RecordedEvent[] = [];
    const subscription = listening.subscribe({ fromPosition: 0n, handler: async (events) => void received.push(...events) });
    try {
      await sleep(200); // let it catch up (nothing) and go to sleep on LISTEN
      const started = Date.now();
      await store.append('contract-1', [newEvent('Opened')], 'no_stream'); // another store instance: no local wake-up
      await eventually(() => expect(received).toHaveLength(1), 3_000);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await subscription.stop();
      await listening.close();
    }
  });

  it('keeps new positions after restored ones when the xid counter is behind them', async () => {
    await store.append('contract-1', [newEvent('Opened')], 'no_stream');
    // As after pg_dump from a cluster whose xid counter was far ahead of this one.
    await db.pool.query('UPDATE events SET position = position + (1000000::bigint << 16)');
    const restarted = await PostgresEventStore.create({ pool: db.pool });
    try {
      const appended = await restarted.append('contract-1', [newEvent('WageChanged')], 0);
      // Visible once every transaction older than the append has ended (the server is shared).
      await eventually(async () => expect((await restarted.readAll()).map((event) => event.type)).toEqual(['Opened', 'WageChanged']));
      const [restored] = await restarted.readAll();
      expect(appended.position).toBeGreaterThan(restored!.position);
    } finally {
      await restarted.close();
    }
  });

  it('creates its schema once, however many stores start', async () => {
    await Promise.all([PostgresEventStore.create({ pool: db.pool }), PostgresEventStore.create({ pool: db.pool })]);
    const { rows } = await db.pool.query("SELECT id FROM schema_migrations WHERE component = 'event-store'");
    expect(rows).toEqual([{ id: '001_events' }]);
  });
});
