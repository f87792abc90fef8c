import { createHash } from 'node:crypto';
import { evolve, type ContractState } from '@app/contracts-domain';
import { PostgresEventStore, type FoldableEvent, type ReadStreamOptions } from '@app/event-store';
import { canonicalJson, ManualClock } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { CONTRACT_ID, CONTRACT_NOW, factsNeedingExam, historyOf, openOnline, pay } from '../../contracts-domain/src/testing/fixtures';
import { ContractStreams, fold, type CommandContext } from './contract-streams';
import { PostgresSnapshots, SNAPSHOT_FORMAT, type SnapshotStore } from './snapshots';

const DAY_MS = 86_400_000;
const opensAt = new Date(CONTRACT_NOW);
const context = (commandId: string): CommandContext => ({ actor: { sub: 'bank:mellat', role: 'bank' }, channel: 'bank', correlationId: commandId, commandId });
/** Month `month`'s payment, a few days into it (always before its deadline), as the bank confirms it. */
const monthlyPayment = (month: number) => {
  const paidAt = new Date(opensAt.getTime() + (month - 1) * 30 * DAY_MS + 2 * DAY_MS);
  return { paidAt, command: pay(1, { bankReference: `BR-${month}`, paidAt: paidAt.toISOString() }) };
};

describe('contract snapshots', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let snapshots: PostgresSnapshots;
  const clock = new ManualClock(opensAt);
  let reads: { fromRevision: number; events: number }[] = [];

  /** Opens the contract and pays `months` months through a ContractStreams of its own. */
  async function contractOf(months: number, snapshotStore: SnapshotStore = snapshots): Promise<void> {
    const writer = new ContractStreams(store, clock, snapshotStore);
    clock.set(opensAt);
    await writer.execute(CONTRACT_ID, openOnline(), context('open'));
    for (let month = 1; month <= months; month++) {
      const { paidAt, command } = monthlyPayment(month);
      clock.set(paidAt);
      await writer.execute(CONTRACT_ID, command, context(`pay-${month}`));
    }
  }

  beforeEach(async () => {
    db = await createTestDatabase();
    store = await PostgresEventStore.create({ pool: db.pool });
    // What each stream read returns: what a load reads.
    const readFoldable = store.readFoldable.bind(store);
    jest.spyOn(store, 'readFoldable').mockImplementation(async (streamId: string, options?: ReadStreamOptions): Promise<FoldableEvent[]> => {
      const events = await readFoldable(streamId, options);
      reads.push({ fromRevision: options?.fromRevision ?? 0, events: events.length });
      return events;
    });
    snapshots = await PostgresSnapshots.create(db.pool);
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('given 120 events, when another process loads the contract, it reads only the snapshot\'s last event and those after it, and folds to the same state', async () => {
    await contractOf(119);
    const { rows } = await db.pool.query('SELECT revision, format FROM contract_snapshots');
    expect(rows).toEqual([{ revision: 99, format: SNAPSHOT_FORMAT }]); // written when the 100th event came

    reads = [];
    const loaded = await new ContractStreams(store, clock, snapshots).loadExisting(CONTRACT_ID);
    expect(reads).toEqual([{ fromRevision: 99, events: 21 }]); // the 99th: the stream still holds what the snapshot folded
    const whole = await store.readFoldable(`contract-${CONTRACT_ID}`);
    expect(loaded.revision).toBe(119);
    expect(loaded.state).toEqual(fold(whole));
  });

  it('given a snapshot of another format, when the contract is loaded, it folds the whole stream and replaces the snapshot', async () => {
    await contractOf(119);
    await db.pool.query('UPDATE contract_snapshots SET format = format + 1, body = $1', ['{"state":"from another format","commandIds":[]}']);

    reads = [];
    const loaded = await new ContractStreams(store, clock, snapshots).loadExisting(CONTRACT_ID);
    expect(reads).toEqual([{ fromRevision: 0, events: 120 }]);
    expect(loaded.state).toEqual(fold(await store.readFoldable(`contract-${CONTRACT_ID}`)));
    expect((await db.pool.query('SELECT revision, format FROM contract_snapshots')).rows).toEqual([{ revision: 119, format: SNAPSHOT_FORMAT }]);
  });

  it('given a snapshot ahead of its stream (events restored without it), the contract is folded from its events and still takes commands', async () => {
    await contractOf(119);
    // Another contract whose stream holds only its opening, with the first one's snapshot at 99:
    // what a restore of the events alone to an earlier point leaves behind.
    const other = '7d3c1a52-6b1e-4f0a-9c8d-2e5f4a3b1c0d';
    clock.set(opensAt);
    await new ContractStreams(store, clock, snapshots).execute(other, openOnline(), context('open-other'));
    await db.pool.query(`INSERT INTO contract_snapshots (contract_id, format, revision, body) SELECT $1, format, revision, body FROM contract_snapshots WHERE contract_id = $2`, [other, CONTRACT_ID]);

    const streams = new ContractStreams(store, clock, snapshots);
    const loaded = await streams.loadExisting(other);
    expect(loaded.revision).toBe(0);
    expect(loaded.state).toEqual(fold(await store.readFoldable(`contract-${other}`)));
    const paid = await streams.execute(other, pay(1, { amount: loaded.state.monthlyPremium, bankReference: 'BR-other', paidAt: opensAt.toISOString() }), context('pay-other'));
    expect(paid.revision).toBe(1);
  });

  it('given a snapshot, when a command from before it is retried, it is recognised and appends nothing', async () => {
    await contractOf(105);
    const { paidAt, command } = monthlyPayment(3);
    clock.set(paidAt);
    const retried = await new ContractStreams(store, clock, snapshots).execute(CONTRACT_ID, command, context('pay-3'));
    expect(retried.appended).toEqual([]);
    expect(retried.revision).toBe(105);
  });

  it('given a snapshot store that fails, when commands cross the snapshot point, they still succeed', async () => {
    const failing: SnapshotStore = { read: async () => undefined, write: () => Promise.reject(new Error('snapshot table unavailable')) };
    await contractOf(101, failing);
    const loaded = await new ContractStreams(store, clock, snapshots).loadExisting(CONTRACT_ID);
    expect(loaded.revision).toBe(101);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM contract_snapshots')).rows).toEqual([{ n: 1 }]); // written by this load
  });
});

describe('SNAPSHOT_FORMAT', () => {
  it('is bumped whenever folding the same events gives another state (this pinned fold fails first)', () => {
    const history = historyOf([
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      [{ type: 'ChangeWage', data: { requestedMonthlyPremium: 32_000_000 } }, '2026-12-02T08:00:00Z'],
      [pay(2, { amount: 64_000_000, paidAt: '2026-12-03T08:00:00Z' }), '2026-12-03T08:00:00Z'],
    ]);
    const state = history.reduce<ContractState | undefined>(evolve, undefined);
    const digest = createHash('sha256').update(canonicalJson(state)).digest('hex');
    // If this fails: bump SNAPSHOT_FORMAT (stored snapshots would otherwise be trusted), then pin the new digest.
    expect({ SNAPSHOT_FORMAT, digest }).toEqual({ SNAPSHOT_FORMAT: 1, digest: 'a757addce759fefea45c3839ef11cc8f8ab9819c57da4d017db12cb5e244e8e5' });
  });
});
