import type { ContractCommand } from '@app/contracts-domain';
import { ManualClock } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { CONTRACT_ID, CONTRACT_NOW, facts, factsNeedingExam, openOnline, pay } from '../../contracts-domain/src/testing/fixtures';
import { liveSchema, type Projection } from '../../projections/src/projection';
import { readCheckpoint } from '../../projections/src/store';
import { History, project } from '../../projections/src/testing/harness';
import { messageId, notificationsProjection } from './notifications.projection';
import { migrateOutbox, notificationCounts, readNotifications } from './outbox';
import { texts } from './templates';

describe('notifications projection: contract events into the SMS outbox', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
    await migrateOutbox(db.pool);
  });
  afterEach(() => db.drop());

  const outboxRows = async () =>
    (await db.pool.query('SELECT message_id, event_id, template, recipient, status, not_before FROM sms_outbox ORDER BY not_before, template')).rows;

  it('queues the conclusion SMS to the mobile as corrected at conclusion, with a deterministic id, and the reminder for later', async () => {
    const history = new History();
    const [opened] = history.run(CONTRACT_ID, openOnline({ corrections: { mobile: '+989351112233' } }), CONTRACT_NOW);
    await project(db.pool, notificationsProjection(), history.events);

    const answer = await readNotifications(db.pool, CONTRACT_ID);
    expect(answer.checkpoint).toBe(opened!.position);
    expect(answer.items).toEqual([
      expect.objectContaining({
        messageId: messageId(opened!.id, 'contract_concluded'),
        template: 'contract_concluded',
        recipient: '09351112233',
        text: 'قرارداد بیمه اختیاری ۱۴۰۵۰۰۰۰۰۱ در ۱۴۰۵/۰۹/۱۰ منعقد شد. حق بیمه ماهانه ۳۰٬۰۰۰٬۰۰۰ ریال، مهلت پرداخت اول ۱۴۰۵/۰۹/۳۰. تأمین اجتماعی',
        status: 'pending',
        attempts: 0,
        lastError: null,
        createdAt: new Date(CONTRACT_NOW),
        notBefore: new Date(CONTRACT_NOW),
        sentAt: null,
      }),
      expect.objectContaining({ template: 'payment_reminder', notBefore: new Date('2026-12-16T05:30:00Z'), status: 'pending' }),
    ]);
  });

  it('gives later events the contract number and mobile of the ContractOpened, across batches', async () => {
    const history = new History();
    const steps: [ContractCommand, string][] = [
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      [{ type: 'ChangeWage', data: { requestedMonthlyPremium: 31_000_000 } }, '2026-12-02T08:00:00Z'],
      [pay(2, { amount: 62_000_000 }), '2026-12-05T08:00:00Z'],
    ];
    for (const [command, now] of steps) history.run(CONTRACT_ID, command, now);
    await project(db.pool, notificationsProjection(), history.events, 1);
    const items = (await readNotifications(db.pool, CONTRACT_ID)).items;
    expect(items.map((i) => i.template)).toEqual(['contract_concluded', 'exam_required', 'wage_changed', 'payment_confirmed', 'payment_reminder', 'exam_reminder']);
    expect(new Set(items.map((i) => i.recipient))).toEqual(new Set([facts().mobile]));
    expect(items.find((i) => i.template === 'payment_confirmed')!.text).toBe(
      'پرداخت حق بیمه قرارداد ۱۴۰۵۰۰۰۰۰۱ برای ماه‌های ۱۴۰۵/۰۹ تا ۱۴۰۵/۱۰ ثبت شد؛ حق بیمه تا ۱۴۰۵/۱۰/۳۰ پرداخت شده است. تأمین اجتماعی',
    );
  });

  it('queues a message it meets more than maxAgeMs after its time as cancelled, never to be sent, and the rest as pending', async () => {
    const hour = 3_600_000;
    const history = new History();
    history.run(CONTRACT_ID, openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW); // concluded, exam required; reminders on 12-16 and 01-16
    history.run(CONTRACT_ID, pay(1), '2026-12-05T08:00:00Z');
    // Projected (an empty outbox over an old store, or a projector back after days) exactly 48 h
    // after the payment: the payment's message is just in time, the conclusion's is not.
    const clock = new ManualClock(new Date(Date.parse('2026-12-05T08:00:00Z') + 48 * hour));
    await project(db.pool, notificationsProjection({ clock, maxAgeMs: 48 * hour }), history.events);

    const items = (await readNotifications(db.pool, CONTRACT_ID)).items;
    const late = { status: 'cancelled', lastError: 'not sent: queued more than 48 h after its time', attempts: 0, sentAt: null };
    expect(Object.fromEntries(items.map((i) => [i.template, i]))).toEqual({
      contract_concluded: expect.objectContaining(late),
      exam_required: expect.objectContaining(late),
      payment_confirmed: expect.objectContaining({ status: 'pending', lastError: null }),
      payment_reminder: expect.objectContaining({ status: 'pending' }), // its day is still ahead
      exam_reminder: expect.objectContaining({ status: 'pending' }),
    });
    const { rows } = await db.pool.query(`SELECT finished_at FROM sms_outbox WHERE status = 'cancelled'`);
    expect(rows).toEqual([{ finished_at: clock.now() }, { finished_at: clock.now() }]);
  });

  it("tells a determination made past an unmarked exam deadline by its own message, not the overdue one it records", async () => {
    const history = new History();
    history.run(CONTRACT_ID, openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW);
    history.run(CONTRACT_ID, pay(1), '2026-12-05T08:00:00Z');
    const decided = history.run(CONTRACT_ID, { type: 'MakeExamDetermination', data: { outcome: 'cleared', note: 'examined late' } }, '2027-02-02T08:00:00Z');
    expect(decided.map((e) => e.type)).toEqual(['ExamOverdue', 'ExamDeterminationMade']);
    for (const event of decided) event.metadata.actor = { sub: 'officer', role: 'branch_officer' };
    await project(db.pool, notificationsProjection(), history.events);
    const templates = (await readNotifications(db.pool, CONTRACT_ID)).items.map((i) => i.template);
    expect(templates).toContain('exam_cleared');
    expect(templates).not.toContain('exam_overdue');
  });

  it('queues nothing twice when the same events are replayed (a rebuild), whatever the batch boundaries', async () => {
    const history = new History();
    history.run(CONTRACT_ID, openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW);
    history.run(CONTRACT_ID, pay(1), '2026-12-05T08:00:00Z');
    history.other('insured-0499370899', 'ContractReserved');
    await project(db.pool, notificationsProjection(), history.events, 2);
    const first = await outboxRows();
    await db.pool.query('UPDATE sms_outbox SET status = $1', ['sent']);

    await db.pool.query(`DROP SCHEMA ${liveSchema('notifications')} CASCADE`);
    await project(db.pool, notificationsProjection(), history.events, 500);
    const again = await outboxRows();
    expect(again).toHaveLength(first.length);
    expect(again.map((r) => [r.message_id, r.status])).toEqual(first.map((r) => [r.message_id, 'sent']));
  });

  it('replayed into an outbox holding part of the history, queues what is missing with its text and leaves the rest as it is', async () => {
    const history = new History();
    const [opened] = history.run(CONTRACT_ID, openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW);
    const [paid] = history.run(CONTRACT_ID, pay(1), '2026-12-05T08:00:00Z');
    await project(db.pool, notificationsProjection(), history.events);
    const lost = (await readNotifications(db.pool, CONTRACT_ID)).items.filter((item) => item.template === 'payment_confirmed' || item.template === 'exam_reminder');
    await db.pool.query('UPDATE sms_outbox SET status = $1', ['sent']);
    // One message of an event that has several (ContractOpened), and one that is its event's only one.
    await db.pool.query('DELETE FROM sms_outbox WHERE message_id = ANY($1::uuid[])', [[messageId(opened!.id, 'exam_reminder'), messageId(paid!.id, 'payment_confirmed')]]);
    const rendered = Object.keys(texts).map((name) => jest.spyOn(texts, name as keyof typeof texts));

    await db.pool.query(`DROP SCHEMA ${liveSchema('notifications')} CASCADE`);
    await project(db.pool, notificationsProjection(), history.events, 1);
    const items = (await readNotifications(db.pool, CONTRACT_ID)).items;
    expect(items.filter((item) => item.status === 'sent').map((item) => item.template)).toEqual(['contract_concluded', 'exam_required', 'payment_reminder']);
    expect(items.filter((item) => item.status === 'pending')).toEqual(lost);
    // Only the missing messages were rendered: the kept ones cost a probe, not a text.
    expect(rendered.reduce((calls, spy) => calls + spy.mock.calls.length, 0)).toBe(2);
    rendered.forEach((spy) => spy.mockRestore());
  });

  it('commits outbox rows and checkpoint together: a failed batch leaves neither', async () => {
    const history = new History();
    history.run(CONTRACT_ID, openOnline(), CONTRACT_NOW);
    const base = notificationsProjection();
    const failing: Projection = {
      ...base,
      async apply(tx, events) {
        await base.apply(tx, events);
        throw new Error('crash after queueing');
      },
    };
    await expect(project(db.pool, failing, history.events)).rejects.toThrow('crash after queueing');
    expect(await outboxRows()).toEqual([]);
    expect((await readCheckpoint(db.pool, liveSchema('notifications')))!.position).toBe(0n);
  });

  it('counts messages by status, overall and per branch, without personal data', async () => {
    const history = new History();
    history.run(CONTRACT_ID, openOnline(), CONTRACT_NOW);
    await project(db.pool, notificationsProjection(), history.events);
    await db.pool.query(`UPDATE sms_outbox SET status = 'failed' WHERE template = 'payment_reminder'`);
    expect(await notificationCounts(db.pool)).toEqual({
      total: { pending: 1, sent: 0, failed: 1, cancelled: 0 },
      byBranch: [{ branchId: '1201', provinceCode: '23', counts: { pending: 1, sent: 0, failed: 1, cancelled: 0 } }],
    });
  });
});
