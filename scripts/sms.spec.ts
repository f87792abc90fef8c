import { migrateOutbox, notificationCounts } from '@app/notifications';
import { createPool, loadConfig, startEmbeddedPostgres } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { outboxMessage, outboxRow, seedOutbox } from '../libs/notifications/src/testing/outbox-fixtures';
import { runCli } from './cli';
import { USAGE, main, parseSmsArgs, runSms } from './sms';

jest.mock('@app/platform', () => {
  const actual = jest.requireActual<typeof import('@app/platform')>('@app/platform');
  // Never a real embedded server here: under the default DATA_DIR it would initialise .data/pg.
  const embedded = jest.fn(async () => Promise.reject(new Error('the test would have started the embedded PostgreSQL')));
  return { ...actual, loadConfig: jest.fn(actual.loadConfig), createPool: jest.fn(actual.createPool), startEmbeddedPostgres: embedded };
});

describe('npm run sms: failed messages listed and queued again', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
    await migrateOutbox(db.pool);
  });
  afterEach(() => db.drop());

  const fail = (messageId: string, at: string, error: string) =>
    db.pool.query(`UPDATE sms_outbox SET status = 'failed', attempts = 56, last_error = $2, finished_at = $3 WHERE message_id = $1`, [messageId, error, at]);

  async function sms(...argv: string[]) {
    const out: string[] = [];
    const code = await runSms(parseSmsArgs(argv), { pool: db.pool, out: (line) => out.push(line) });
    return { code, out };
  }

  it('given messages the gateway never took, lists them without recipient or text, and queues them again for the dispatcher', async () => {
    const [early, late, sent] = await seedOutbox(db.pool, [outboxMessage(), outboxMessage(), outboxMessage()]);
    await fail(early!.messageId, '2026-12-01T08:00:00Z', `gave up after 56 attempts: HTTP 503: echo ${early!.text}`);
    await fail(late!.messageId, '2026-12-02T08:00:00Z', 'HTTP 400: bad sender');
    await db.pool.query('UPDATE sms_outbox SET attempts = 1 WHERE message_id = $1', [late!.messageId]);
    await db.pool.query(`UPDATE sms_outbox SET status = 'sent', finished_at = now() WHERE message_id = $1`, [sent!.messageId]);

    const listed = await sms('failed');
    expect(listed).toEqual({
      code: 0,
      out: [
        `${early!.messageId}  contract ${early!.contractId}  ${early!.template}  failed 2026-12-01T08:00:00.000Z after 56 attempts, last: HTTP 503`,
        `${late!.messageId}  contract ${late!.contractId}  ${late!.template}  failed 2026-12-02T08:00:00.000Z after 1 attempt, last: HTTP 400`,
        '2 failed messages',
      ],
    });
    expect(listed.out.join('\n')).not.toContain(early!.recipient);
    expect((await sms('failed', '--since', '2026-12-02T00:00:00Z')).out).toEqual([expect.stringContaining(late!.messageId), '1 failed message']);

    // By id: the failed one goes back, the sent one is left alone and named (exit 1).
    expect(await sms('resend', early!.messageId, sent!.messageId)).toEqual({
      code: 1,
      out: [
        `${early!.messageId}  contract_concluded  due since 2026-12-01T08:00:00.000Z  queued again`,
        expect.stringContaining('1 message queued again'),
        `${sent!.messageId}  not queued: no failed message has this id`,
      ],
    });
    // Due at once with a fresh count of attempts, as the dispatcher claims a new message.
    expect(await outboxRow(db.pool, early!.messageId)).toMatchObject({ status: 'pending', attempts: 0 });
    const { rows } = await db.pool.query(`SELECT available_at = '-infinity' AS due, finished_at FROM sms_outbox WHERE message_id = $1`, [early!.messageId]);
    expect(rows[0]).toEqual({ due: true, finished_at: null });
    expect((await outboxRow(db.pool, sent!.messageId)).status).toBe('sent');
    // The counts the dashboard and /metrics read follow.
    expect((await notificationCounts(db.pool)).total).toMatchObject({ pending: 1, failed: 1, sent: 1 });

    expect(await sms('resend', '--since', '2026-12-02T00:00:00Z')).toMatchObject({ code: 0, out: [expect.stringMatching(new RegExp(`^${late!.messageId} .* queued again$`)), expect.stringContaining('1 message queued again')] });
    expect((await notificationCounts(db.pool)).total).toMatchObject({ pending: 2, failed: 0 });
  });
});

describe('npm run sms on a database without the outbox', () => {
  it('says it is most likely not the service\'s database, for either command', async () => {
    const db = await createTestDatabase();
    try {
      for (const argv of [['failed'], ['resend', '--since', '2026-12-01T00:00:00Z']]) {
        await expect(runSms(parseSmsArgs(argv), { pool: db.pool, out: () => undefined })).rejects.toThrow("this database has no SMS outbox: is DATABASE_URL the service's read-model database?");
      }
    } finally {
      await db.drop();
    }
  });
});

describe('npm run sms (command line)', () => {
  beforeEach(() => jest.clearAllMocks());

  async function cli(...argv: string[]) {
    const out = { stdout: '', stderr: '' };
    const code = await runCli(USAGE, main, argv, { stdout: (text) => (out.stdout += text), stderr: (text) => (out.stderr += text) });
    return { code, ...out };
  }

  it('exits 2 for a command line it cannot run, with the usage on stderr, before reading the configuration or starting PostgreSQL', async () => {
    expect(await cli('resnd')).toEqual({ code: 2, stdout: '', stderr: `sms: unknown command "resnd"\n${USAGE}\n` });
    expect(await cli('resend')).toMatchObject({ code: 2, stderr: expect.stringContaining('name the messages') });
    expect(await cli('resend', '42')).toMatchObject({ code: 2, stderr: expect.stringContaining('"42" is not a messageId') });
    expect(await cli('failed', '--since', 'yesterday')).toMatchObject({ code: 2, stderr: expect.stringContaining('--since needs an ISO-8601 instant') });
    expect(await cli('failed', 'extra')).toMatchObject({ code: 2, stderr: expect.stringContaining('unexpected "extra"') });
    for (const opened of [loadConfig, createPool, startEmbeddedPostgres]) expect(opened).not.toHaveBeenCalled();
  });
});
