import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@app/platform';
import type { LogEntry } from '@app/projections';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { waitFor } from '../../projections/src/testing/wait';
import { DEFAULT_RETRY, SmsDispatcher, retryDelayMs, type DispatcherOptions, type ReminderCheck, type RetryPolicy } from './dispatcher';
import { FileSmsSink } from './gateway/file-sink';
import { HttpSmsGateway } from './gateway/http-gateway';
import { migrateOutbox } from './outbox';
import { GatewayServer, type Answer } from './testing/gateway-server';
import { MOBILE, outboxMessage, outboxRow, pendingCount, seedOutbox } from './testing/outbox-fixtures';

const BUSINESS_NOW = new Date('2026-12-01T09:00:00Z');
const sendAlways: ReminderCheck = async () => null;
const GATEWAY_TIMEOUT_MS = 2_000;

describe('SMS dispatcher against a real local HTTP gateway', () => {
  let db: TestDatabase;
  let gateway: GatewayServer;
  let running: GatewayServer | undefined;
  let logs: LogEntry[];
  const dispatchers: SmsDispatcher[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
    await migrateOutbox(db.pool);
    logs = [];
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
    await running?.close();
    running = undefined;
    await db.drop();
  });

  async function startGateway(answer: (messageId: string, attempt: number) => Answer) {
    gateway = running = await GatewayServer.start(answer);
    return gateway;
  }

  function dispatcher(overrides: Partial<DispatcherOptions> = {}): SmsDispatcher {
    const d = new SmsDispatcher({
      pool: db.pool,
      // Long enough that a busy machine never times out a message the stub answers at once; only 'hang' reaches it.
      gateway: overrides.gateway ?? new HttpSmsGateway({ url: gateway.url, timeoutMs: GATEWAY_TIMEOUT_MS }),
      clock: new ManualClock(BUSINESS_NOW),
      log: (entry) => logs.push(entry),
      reminders: sendAlways,
      retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 },
      ratePerSecond: 1_000,
      leaseMs: 5_000,
      pollMs: 20,
      ...overrides,
    });
    dispatchers.push(d);
    return d;
  }

  const settled = () => waitFor(async () => (await pendingCount(db.pool)) === 0, 'every message to settle', 20_000);

  it('ends every message sent exactly once as the gateway sees it, or failed with the reason', async () => {
    const [ok, flaky, slow, invalid, down] = await seedOutbox(db.pool, [1, 2, 3, 4, 5].map(() => outboxMessage()));
    await startGateway((messageId, attempt) => {
      if (messageId === flaky!.messageId) return attempt <= 2 ? 503 : 200;
      if (messageId === slow!.messageId) return attempt === 1 ? 'hang' : 202;
      if (messageId === invalid!.messageId) return 400;
      if (messageId === down!.messageId) return 500;
      return 200;
    });
    dispatcher().start();
    await settled();

    expect(await outboxRow(db.pool, ok!.messageId)).toMatchObject({ status: 'sent', attempts: 1, last_error: null, sent_at: BUSINESS_NOW });
    expect(await outboxRow(db.pool, flaky!.messageId)).toMatchObject({ status: 'sent', attempts: 3, last_error: 'HTTP 503: {"ok":false}' });
    expect(await outboxRow(db.pool, slow!.messageId)).toMatchObject({ status: 'sent', attempts: 2, last_error: `timeout after ${GATEWAY_TIMEOUT_MS} ms` });
    expect(await outboxRow(db.pool, invalid!.messageId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'HTTP 400: {"error":"invalid recipient *******4567"}', // the gateway echoed the number: masked
      sent_at: null,
    });
    expect(await outboxRow(db.pool, down!.messageId)).toMatchObject({ status: 'failed', attempts: 4, last_error: 'gave up after 4 attempts: HTTP 500: {"ok":false}' });

    // The log says each attempt's outcome, a retry as a warning, a gateway's error by its status alone
    // (its body may echo the text, which never reaches the log).
    const logged = (messageId: string) => logs.filter((entry) => entry['messageId'] === messageId).map((entry) => [entry.level, entry['error']]);
    expect(logged(down!.messageId)).toEqual([...Array(3).fill(['warn', 'HTTP 500']), ['error', 'gave up after 4 attempts: HTTP 500']]);
    expect(logged(invalid!.messageId)).toEqual([['error', 'HTTP 400']]);
    for (const sent of [ok!, flaky!, slow!]) expect(gateway.accepted(sent.messageId)).toBe(1);
    for (const failed of [invalid!, down!]) expect(gateway.accepted(failed.messageId)).toBe(0);
    expect(gateway.attempts(invalid!.messageId)).toHaveLength(1); // 4xx is never retried
    // Every retry carried the same messageId, recipient and text.
    for (const message of [flaky!, slow!, down!]) {
      expect(new Set(gateway.attempts(message.messageId).map((r) => JSON.stringify([r.to, r.text])))).toEqual(
        new Set([JSON.stringify([MOBILE, message.text])]),
      );
    }
  });

  it('never sends a message twice with two dispatchers claiming from the same outbox', async () => {
    const messages = await seedOutbox(db.pool, Array.from({ length: 60 }, () => outboxMessage()));
    // Every third message fails its first attempt, so retries interleave with first sends.
    const flaky = new Set(messages.filter((_, i) => i % 3 === 0).map((m) => m.messageId));
    await startGateway((messageId, attempt) => (flaky.has(messageId) && attempt === 1 ? 503 : 200));
    dispatcher().start();
    dispatcher().start();
    await settled();
    for (const message of messages) expect(gateway.accepted(message.messageId)).toBe(1);
    expect(gateway.requests).toHaveLength(60 + flaky.size);
  });

  it('backs off exponentially between retries, by the operational clock, and keeps the message claimable by anyone after', async () => {
    const [message] = await seedOutbox(db.pool, [outboxMessage()]);
    await startGateway(() => 503);
    const wallClock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const d = dispatcher({ wallClock, random: () => 0.999_999, retry: { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 3_000 } });
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(await d.runDue()).toBe(1);
      const row = await outboxRow(db.pool, message!.messageId);
      waits.push(Math.round((row.available_at.getTime() - wallClock.now().getTime()) / 100) * 100);
      expect(await d.runDue()).toBe(0); // in backoff: nobody may claim it yet
      wallClock.set(row.available_at);
    }
    expect(waits).toEqual([1_000, 2_000, 3_000, 3_000]); // doubling, capped at maxDelayMs
    expect(gateway.attempts(message!.messageId)).toHaveLength(4);
  });

  it('sends a reminder only from its day on, by the business clock, and cancels it when its reason vanished', async () => {
    const clock = new ManualClock(BUSINESS_NOW);
    const reminderDay = new Date('2026-12-16T05:30:00Z');
    const [due, obsolete, overtaken] = await seedOutbox(db.pool, [
      outboxMessage({ template: 'payment_reminder', notBefore: reminderDay }),
      outboxMessage({ template: 'exam_reminder', notBefore: reminderDay }),
      // Held until 09:00 like a reminder; a branch's determination may come first.
      outboxMessage({ template: 'exam_overdue', notBefore: reminderDay }),
    ]);
    await startGateway(() => 200);
    const asked: Date[] = [];
    const d = dispatcher({
      clock,
      reminders: async (contractId, _template, now) => {
        asked.push(now);
        return contractId === obsolete!.contractId ? 'exam passed' : contractId === overtaken!.contractId ? 'exam cleared' : null;
      },
    });
    d.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gateway.requests).toEqual([]);

    clock.set(reminderDay); // wakes the dispatcher at once
    await settled();
    expect(gateway.accepted(due!.messageId)).toBe(1);
    expect(gateway.attempts(obsolete!.messageId)).toEqual([]);
    expect(await outboxRow(db.pool, obsolete!.messageId)).toMatchObject({ status: 'cancelled', attempts: 0, last_error: 'not sent: exam passed' });
    expect(gateway.attempts(overtaken!.messageId)).toEqual([]);
    expect(await outboxRow(db.pool, overtaken!.messageId)).toMatchObject({ status: 'cancelled', last_error: 'not sent: exam cleared' });
    expect(asked).toEqual([reminderDay, reminderDay, reminderDay]);
  });

  it('retries a reminder whose check fails like a failed send, and fails it in the end, never sending it', async () => {
    const [reminder] = await seedOutbox(db.pool, [outboxMessage({ template: 'exam_reminder', notBefore: BUSINESS_NOW })]);
    await startGateway(() => 200);
    const wallClock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const d = dispatcher({
      wallClock,
      retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_000 },
      reminders: async () => {
        throw new Error('cannot fold stream contract-x');
      },
    });
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await d.runDue()).toBe(1);
      const row = await outboxRow(db.pool, reminder!.messageId);
      expect(row).toMatchObject({ attempts: attempt, last_error: expect.stringContaining('reminder check failed: cannot fold stream contract-x') });
      expect(row.status).toBe(attempt < 3 ? 'pending' : 'failed');
      wallClock.set(row.available_at);
    }
    expect(await d.runDue()).toBe(0);
    expect(gateway.attempts(reminder!.messageId)).toEqual([]);
  });

  it('spaces gateway calls by the rate limit', async () => {
    await seedOutbox(db.pool, Array.from({ length: 6 }, () => outboxMessage()));
    await startGateway(() => 200);
    const started = performance.now();
    expect(await dispatcher({ ratePerSecond: 10 }).runDue()).toBe(6);
    expect(performance.now() - started).toBeGreaterThanOrEqual(5 * 100 - 10);
  });

  it('never writes a mobile number or a text into the log', async () => {
    await seedOutbox(db.pool, [outboxMessage(), outboxMessage(), outboxMessage()]);
    let n = 0;
    await startGateway(() => [200, 400, 503][n++ % 3]!);
    dispatcher({ retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } }).start();
    await settled();
    const written = JSON.stringify(logs);
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['sms sent', 'sms failed']));
    expect(written).not.toContain(MOBILE.slice(-7));
    expect(written).not.toContain('قرارداد');
  });

  it('appends one NDJSON line per message to the file sink, readable by its owner only, when no gateway URL is configured', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sms-sink-'));
    try {
      const [message] = await seedOutbox(db.pool, [outboxMessage()]);
      const sink = new FileSmsSink(join(dir, 'data', 'sms.ndjson'), new ManualClock(BUSINESS_NOW));
      expect(await dispatcher({ gateway: sink }).runDue()).toBe(1);
      const lines = (await readFile(sink.path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
      expect(lines).toEqual([{ messageId: message!.messageId, to: MOBILE, text: message!.text, at: BUSINESS_NOW.toISOString() }]);
      expect(await outboxRow(db.pool, message!.messageId)).toMatchObject({ status: 'sent', attempts: 1 });
      expect((await stat(sink.path)).mode & 0o777).toBe(0o600); // mobiles and texts
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SMS retry policy', () => {
  /** The shortest time from the first failed call to giving up: every wait at its least jitter. */
  const shortestGiveUpMs = (policy: RetryPolicy) => {
    let total = 0;
    for (let attempts = 1; attempts < policy.maxAttempts; attempts++) total += retryDelayMs(policy, attempts, 0);
    return total;
  };

  it('keeps retrying a message through a gateway outage of at least two hours by default', () => {
    expect(shortestGiveUpMs(DEFAULT_RETRY)).toBeGreaterThanOrEqual(2 * 60 * 60 * 1000);
    expect(shortestGiveUpMs({ ...DEFAULT_RETRY, maxAttempts: 8 })).toBe(127_000); // the old default gave up after ~2 minutes
  });
});
