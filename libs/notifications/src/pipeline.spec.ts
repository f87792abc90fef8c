import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContractStreams } from '@app/contracts-app';
import { PostgresEventStore } from '@app/event-store';
import { ManualClock } from '@app/platform';
import { startProjector, type Projector } from '@app/projections';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { CONTRACT_ID, CONTRACT_NOW, factsNeedingExam, openOnline, pay } from '../../contracts-domain/src/testing/fixtures';
import { context } from '../../projections/src/testing/contracts';
import { waitFor } from '../../projections/src/testing/wait';
import { loadNotificationConfig, startSmsDispatcher } from './config';
import type { SmsDispatcher } from './dispatcher';
import { notificationsProjection } from './notifications.projection';
import { migrateOutbox, readNotifications } from './outbox';

/** Events → projection → outbox → dispatcher → file sink, as the service wires them. */
describe('SMS pipeline from contract events to the file sink', () => {
  let db: TestDatabase;
  let dir: string;
  let eventStore: PostgresEventStore;
  let projector: Projector;
  let dispatcher: SmsDispatcher;
  const clock = new ManualClock(new Date(CONTRACT_NOW));

  beforeEach(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'sms-pipeline-'));
    eventStore = await PostgresEventStore.create({ pool: db.pool, idlePollMs: 50 });
    await migrateOutbox(db.pool);
    const config = loadNotificationConfig({ dataDir: dir, smsGatewayUrl: undefined }, {});
    projector = await startProjector({ pool: db.pool, eventStore, clock, log: () => undefined, projections: [notificationsProjection({ reminders: config.reminders, maxAgeMs: config.maxAgeMs, clock })], deadlines: false });
    dispatcher = await startSmsDispatcher({ pool: db.pool, eventStore, clock, log: () => undefined, config });
  });
  afterEach(async () => {
    await dispatcher.stop();
    await projector.stop();
    await eventStore.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const sink = async () => {
    const text = await readFile(join(dir, 'sms.ndjson'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { messageId: string; to: string; text: string });
  };
  const statuses = async () => Object.fromEntries((await readNotifications(db.pool, CONTRACT_ID)).items.map((i) => [i.template, i.status]));

  it('sends the conclusion SMS with the contract number and Jalali date, and drops the payment reminder once paid', async () => {
    const streams = new ContractStreams(eventStore, clock);
    await streams.execute(CONTRACT_ID, openOnline({ facts: factsNeedingExam() }), context());
    await waitFor(async () => (await sink()).length === 2, 'the conclusion and exam SMS in the sink');
    const [concluded] = await sink();
    expect(concluded).toMatchObject({ to: '09121234567', text: expect.stringContaining('۱۴۰۵۰۰۰۰۰۱ در ۱۴۰۵/۰۹/۱۰') });

    await streams.execute(CONTRACT_ID, pay(1), context());
    await waitFor(async () => (await sink()).length === 3, 'the payment SMS');
    clock.set(new Date('2026-12-16T05:30:00Z')); // the payment reminder's day: but it is paid
    await waitFor(async () => (await statuses()).payment_reminder === 'cancelled', 'the reminder to be cancelled');
    expect(await statuses()).toEqual({
      contract_concluded: 'sent',
      exam_required: 'sent',
      payment_confirmed: 'sent',
      payment_reminder: 'cancelled',
      exam_reminder: 'pending', // due 2027-01-16, exam not taken yet
    });
    expect((await sink()).filter((line) => line.text.startsWith('یادآوری'))).toEqual([]);
  });
});
