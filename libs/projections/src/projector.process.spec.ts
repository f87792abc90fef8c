import { PostgresEventStore } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { billingProjection } from './billing/billing.projection';
import { liveSchema } from './projection';
import { replayInto } from './rebuild';
import { createProjectionSchema, readCheckpoint, withTransaction } from './store';
import { ProjectorProcess, compileLibs } from './testing/child-process';
import { appendContracts, storedEvents } from './testing/contracts';
import { dumpSchema } from './testing/harness';
import { waitFor } from './testing/wait';

/** Real projector processes against one database: SIGKILL mid-batch, and two at once. */
describe('projector processes', () => {
  let compiled: Awaited<ReturnType<typeof compileLibs>>;
  let db: TestDatabase;
  let eventStore: PostgresEventStore;
  const children: ProjectorProcess[] = [];

  beforeAll(async () => {
    compiled = await compileLibs();
  });
  afterAll(() => compiled.remove());
  beforeEach(async () => {
    db = await createTestDatabase();
    eventStore = await PostgresEventStore.create({ pool: db.pool });
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
    await eventStore.close();
    await db.drop();
  });

  const spawnProjector = (env: Record<string, string>) => {
    const child = new ProjectorProcess(compiled.dir, { DATABASE_URL: db.url, ...env });
    children.push(child);
    return child;
  };
  const head = async () => (await storedEvents(db.pool)).last;
  const checkpointOf = async (name: string) => (await readCheckpoint(db.pool, liveSchema(name)))?.position ?? 0n;

  it('recovers from SIGKILL in the middle of a batch: the tables equal a clean rebuild, row for row', async () => {
    await appendContracts(eventStore, 30);
    const crashing = spawnProjector({ PROJECTION: 'billing', BATCH_SIZE: '8', HOLD_MS: '300' });
    // Let a few batches commit, then kill it while it holds a batch's transaction open.
    await crashing.line((line) => line.holding !== undefined && crashing.lines.filter((l) => l.holding).length >= 3);
    const committed = await checkpointOf('billing');
    await crashing.kill('SIGKILL');
    const held = BigInt(crashing.lines.filter((l) => l.holding).at(-1)!.holding as string);
    expect(committed).toBeGreaterThan(0n);
    expect(await checkpointOf('billing')).toBeLessThan(held); // the held batch was rolled back

    spawnProjector({ PROJECTION: 'billing', BATCH_SIZE: '8' });
    const last = await head();
    await waitFor(async () => (await checkpointOf('billing')) >= last, 'the restarted projector to catch up', 20_000);

    const clean = 'projection_billing_clean';
    await withTransaction(db.pool, (tx) => createProjectionSchema(tx, billingProjection, clean));
    await replayInto({ pool: db.pool, eventStore, projection: billingProjection, schema: clean });
    const live = await dumpSchema(db.pool, liveSchema('billing'));
    expect(live.contracts).toHaveLength(30);
    expect(live).toEqual(await dumpSchema(db.pool, clean));
  });

  it('never applies an event twice with two projector processes, across a takeover', async () => {
    await appendContracts(eventStore, 20);
    const first = spawnProjector({ PROJECTION: 'probe', BATCH_SIZE: '5', HOLD_MS: '50' });
    await first.line((line) => line.holding !== undefined);
    const second = spawnProjector({ PROJECTION: 'probe', BATCH_SIZE: '5', HOLD_MS: '50' });
    await second.line((line) => line.started !== undefined);
    const writing = appendContracts(eventStore, 20);
    // Kill the owner while events keep coming: the standby takes over from the checkpoint.
    await first.line((line) => line.holding !== undefined && first.lines.filter((l) => l.holding).length >= 4);
    await first.kill('SIGKILL');
    await writing;
    const last = await head();
    await waitFor(async () => (await checkpointOf('probe')) >= last, 'the standby to catch up', 20_000);

    const { rows } = await db.pool.query<{ events: number; distinct_positions: number; processes: number }>(
      'SELECT count(*)::int AS events, count(DISTINCT position)::int AS distinct_positions, count(DISTINCT pid)::int AS processes FROM projection_probe.applied',
    );
    const { count } = await storedEvents(db.pool);
    expect(rows[0]).toEqual({ events: count, distinct_positions: count, processes: 2 });
    expect(second.lines.some((line) => line.holding !== undefined)).toBe(true);
  });
});
