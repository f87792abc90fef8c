import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, ManualClock } from '@app/platform';
import { gatewayFor, loadNotificationConfig, startSmsDispatcher } from './config';
import { FileSmsSink } from './gateway/file-sink';
import { HttpSmsGateway } from './gateway/http-gateway';

describe('SMS configuration', () => {
  const app = { dataDir: '/srv/data', smsGatewayUrl: undefined };

  it('defaults to the file sink under DATA_DIR, 48 hours to send, a 5-day payment reminder and a 14-day exam reminder', () => {
    const config = loadNotificationConfig(app, {});
    expect(config).toEqual({
      gatewayUrl: undefined,
      sinkFile: '/srv/data/sms.ndjson',
      gatewayTimeoutMs: 10_000,
      retry: { maxAttempts: 56, baseDelayMs: 2_000, maxDelayMs: 300_000 },
      ratePerSecond: 10,
      maxAgeMs: 48 * 3_600_000,
      reminders: { paymentReminderDays: 5, examReminderDays: 14 },
    });
    expect(gatewayFor(config, new ManualClock(new Date(0)))).toBeInstanceOf(FileSmsSink);
  });

  it('reads the gateway URL and the settings from the environment', () => {
    const config = loadNotificationConfig(
      { ...app, smsGatewayUrl: 'http://gateway.local/sms' },
      { SMS_PAYMENT_REMINDER_DAYS: '3', SMS_MAX_ATTEMPTS: '5', SMS_RATE_PER_SECOND: '50', SMS_TIMEOUT_MS: '2000', SMS_MAX_AGE_HOURS: '6' },
    );
    expect(config).toMatchObject({ gatewayTimeoutMs: 2_000, ratePerSecond: 50, maxAgeMs: 6 * 3_600_000, retry: { maxAttempts: 5 }, reminders: { paymentReminderDays: 3 } });
    expect(gatewayFor(config, new ManualClock(new Date(0)))).toBeInstanceOf(HttpSmsGateway);
  });

  it('takes a file: SMS_GATEWAY_URL as the sink file, and refuses any other scheme', () => {
    expect(loadNotificationConfig({ ...app, smsGatewayUrl: 'file:///var/sms/out.ndjson' }, {})).toMatchObject({ gatewayUrl: undefined, sinkFile: '/var/sms/out.ndjson' });
    expect(gatewayFor(loadNotificationConfig({ ...app, smsGatewayUrl: 'file:///var/sms/out.ndjson' }, {}), new ManualClock(new Date(0)))).toMatchObject({ path: '/var/sms/out.ndjson' });
    expect(() => loadNotificationConfig({ ...app, smsGatewayUrl: 'ftp://user:s3cret@gateway.local' }, {})).toThrow('SMS_GATEWAY_URL must be an http(s) or file: URL');
    expect(() => loadNotificationConfig({ ...app, smsGatewayUrl: 'ftp://user:s3cret@gateway.local' }, {})).not.toThrow(/s3cret/);
    // A relative one would name a file at the filesystem root (file:sms.ndjson is /sms.ndjson);
    // one with a host another machine (fileURLToPath threw a TypeError: a stack trace at start).
    for (const elsewhere of ['file:sms.ndjson', 'file://relative/x.ndjson', 'file://gateway.local/x.ndjson']) {
      expect(() => loadNotificationConfig({ ...app, smsGatewayUrl: elsewhere }, {})).toThrow(
        new ConfigError('SMS_GATEWAY_URL as a file sink must be an absolute file:///path on this machine (its value is not shown, as it may hold a key)'),
      );
    }
    // With a user and password: fetch refuses it on every send (an ops drill: every SMS failed, the password in the log).
    expect(() => loadNotificationConfig({ ...app, smsGatewayUrl: 'http://gwuser:GWPASS123@gateway.local/send' }, {})).toThrow(
      new ConfigError('SMS_GATEWAY_URL must not hold a user name or password (http://user:pass@…): a key goes in its path or query'),
    );
    expect(loadNotificationConfig({ ...app, smsGatewayUrl: 'https://gateway.local/send?api_key=K' }, {}).gatewayUrl).toBe('https://gateway.local/send?api_key=K');
    // Not a URL at all (http:// without a host was taken, and every message failed later).
    for (const broken of ['http://', 'not a url']) {
      expect(() => loadNotificationConfig({ ...app, smsGatewayUrl: broken }, {})).toThrow(new ConfigError('SMS_GATEWAY_URL is not a URL (its value is not shown, as it may hold a key)'));
    }
    for (const absolute of ['file:/var/sms/out.ndjson', 'file://localhost/var/sms/out.ndjson']) {
      expect(loadNotificationConfig({ ...app, smsGatewayUrl: absolute }, {}).sinkFile).toBe('/var/sms/out.ndjson');
    }
  });

  it('starts no dispatcher on a sink file it cannot write: every message would fail later, each after its retries', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sms-sink-'));
    try {
      const start = (sinkUrl: string) =>
        startSmsDispatcher({ pool: undefined as never, eventStore: undefined as never, clock: new ManualClock(new Date(0)), log: () => undefined, config: loadNotificationConfig({ ...app, smsGatewayUrl: sinkUrl }, {}) });
      await expect(start(pathToFileURL(folder).href)).rejects.toThrow(new ConfigError(`the SMS sink file ${folder} cannot be written (EISDIR): check SMS_GATEWAY_URL or DATA_DIR`));
      // A folder not there yet is made, as the sink always did: the check reaches the dispatcher (no pool here).
      const fresh = join(folder, 'new', 'sms.ndjson');
      await expect(start(pathToFileURL(fresh).href)).rejects.not.toBeInstanceOf(ConfigError);
      expect((await stat(fresh)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('in production, starts no dispatcher without SMS_GATEWAY_URL: messages would go to a file nobody reads, marked sent', async () => {
    const unset = loadNotificationConfig({ ...app, production: true }, {});
    expect(unset.refusal).toMatch(/^NODE_ENV=production needs SMS_GATEWAY_URL/);
    await expect(startSmsDispatcher({ pool: undefined as never, eventStore: undefined as never, clock: new ManualClock(new Date(0)), log: () => undefined, config: unset })).rejects.toThrow(ConfigError);
    expect(loadNotificationConfig({ ...app, production: true, smsGatewayUrl: 'file:///srv/sms.ndjson' }, {}).refusal).toBeUndefined();
    expect(loadNotificationConfig({ ...app, production: false }, {}).refusal).toBeUndefined();
  });

  it('refuses a setting that is not a whole number in range', () => {
    expect(() => loadNotificationConfig(app, { SMS_PAYMENT_REMINDER_DAYS: 'five' })).toThrow(ConfigError);
    expect(() => loadNotificationConfig(app, { SMS_MAX_ATTEMPTS: '0' })).toThrow('SMS_MAX_ATTEMPTS must be an integer ≥ 1, got "0"');
    expect(() => loadNotificationConfig(app, { SMS_RETRY_BASE_MS: '600000' })).toThrow('SMS_RETRY_BASE_MS (600000) must not exceed SMS_RETRY_MAX_MS (300000)');
  });

  it('refuses reminder days some contracts would not get: on or before their contract date (20 days to pay, 2 months for the exam)', () => {
    expect(() => loadNotificationConfig(app, { SMS_PAYMENT_REMINDER_DAYS: '20' })).toThrow('SMS_PAYMENT_REMINDER_DAYS must be an integer from 1 to 19, got "20"');
    expect(() => loadNotificationConfig(app, { SMS_EXAM_REMINDER_DAYS: '59' })).toThrow('SMS_EXAM_REMINDER_DAYS must be an integer from 1 to 58, got "59"');
    expect(loadNotificationConfig(app, { SMS_PAYMENT_REMINDER_DAYS: '19', SMS_EXAM_REMINDER_DAYS: '58' }).reminders).toEqual({ paymentReminderDays: 19, examReminderDays: 58 });
  });
});
