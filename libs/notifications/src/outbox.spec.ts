import { migrate } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { OUTBOX_MIGRATIONS, dueBacklog, migrateOutbox, notificationCounts } from './outbox';
import { outboxMessage, seedOutbox } from './testing/outbox-fixtures';

describe('SMS outbox counts by branch and status', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  /** What counting every row gives: the kept counts must always equal it. */
  async function countedAfresh() {
    const { rows } = await db.pool.query<{ branch_id: string; province_code: string; status: string; count: number }>(
      `SELECT branch_id, province_code, status, count(*)::int AS count FROM sms_outbox GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    return rows;
  }
  async function kept() {
    const { rows } = await db.pool.query(`SELECT branch_id, province_code, status, count::int AS count FROM sms_outbox_counts WHERE count <> 0 ORDER BY 1, 2, 3`);
    return rows;
  }

  it('counts rows queued before the counts existed, then keeps up with inserts, replays, status changes, leases and deletes', async () => {
    await migrate(db.pool, 'notifications', OUTBOX_MIGRATIONS.slice(0, 1));
    const early = await seedOutbox(db.pool, [outboxMessage(), outboxMessage({ branchId: '0101', provinceCode: '01' })]);
    await migrateOutbox(db.pool);
    expect(await kept()).toEqual(await countedAfresh());

    const later = await seedOutbox(db.pool, [outboxMessage(), outboxMessage(), outboxMessage({ unsent: { because: 'not sent: too late', at: new Date() } })]);
    await seedOutbox(db.pool, [...early, ...later]); // a replay: ON CONFLICT DO NOTHING inserts none
    await db.pool.query(`UPDATE sms_outbox SET available_at = now(), claim_token = gen_random_uuid() WHERE message_id = $1`, [later[0]!.messageId]); // a lease
    await db.pool.query(`UPDATE sms_outbox SET status = 'sent' WHERE message_id = ANY($1::uuid[])`, [[early[0]!.messageId, later[0]!.messageId]]);
    await db.pool.query(`UPDATE sms_outbox SET status = 'failed' WHERE message_id = $1`, [later[1]!.messageId]);
    await db.pool.query(`DELETE FROM sms_outbox WHERE message_id = $1`, [early[1]!.messageId]);
    expect(await countedAfresh()).toEqual([
      { branch_id: '1201', province_code: '23', status: 'cancelled', count: 1 },
      { branch_id: '1201', province_code: '23', status: 'failed', count: 1 },
      { branch_id: '1201', province_code: '23', status: 'sent', count: 2 },
    ]);
    expect(await kept()).toEqual(await countedAfresh());
    expect(await notificationCounts(db.pool)).toEqual({
      total: { pending: 0, sent: 2, failed: 1, cancelled: 1 },
      byBranch: [{ branchId: '1201', provinceCode: '23', counts: { pending: 0, sent: 2, failed: 1, cancelled: 1 } }],
    });
  });

  it('stays exact under concurrent statements changing the same counts', async () => {
    await migrateOutbox(db.pool);
    const messages = await seedOutbox(db.pool, Array.from({ length: 200 }, () => outboxMessage()));
    await Promise.all([
      ...messages.map((m, i) => db.pool.query(`UPDATE sms_outbox SET status = $2 WHERE message_id = $1`, [m.messageId, i % 3 === 0 ? 'failed' : 'sent'])),
      seedOutbox(db.pool, Array.from({ length: 50 }, () => outboxMessage())),
    ]);
    expect(await kept()).toEqual(await countedAfresh());
  });
});

describe('SMS due backlog', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  it('given messages due, waiting a retry, due later, sent and failed, counts those due and not sent, and says since when the oldest is due', async () => {
    const now = new Date('2026-12-10T09:00:00Z');
    expect(await dueBacklog(db.pool, now)).toEqual({ count: 0, oldestDueAt: null }); // no outbox yet
    await migrateOutbox(db.pool);
    const at = (iso: string) => ({ createdAt: new Date(iso), notBefore: new Date(iso) });
    const [retrying, , , sent, failed] = await seedOutbox(db.pool, [
      outboxMessage(at('2026-12-10T08:00:00Z')),
      outboxMessage(at('2026-12-10T08:59:00Z')),
      outboxMessage(at('2026-12-15T05:30:00Z')), // a reminder due later
      outboxMessage(at('2026-12-01T08:00:00Z')),
      outboxMessage(at('2026-12-02T08:00:00Z')),
    ]);
    await db.pool.query(`UPDATE sms_outbox SET attempts = 3, available_at = $2 WHERE message_id = $1`, [retrying!.messageId, new Date('2026-12-10T09:05:00Z')]);
    await db.pool.query(`UPDATE sms_outbox SET status = 'sent' WHERE message_id = $1`, [sent!.messageId]);
    await db.pool.query(`UPDATE sms_outbox SET status = 'failed' WHERE message_id = $1`, [failed!.messageId]);
    expect(await dueBacklog(db.pool, now)).toEqual({ count: 2, oldestDueAt: new Date('2026-12-10T08:00:00Z') });
  });
});
