import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';
import { POLICY_TABLE } from '@app/contracts-domain';
import type { EventStore } from '@app/event-store';
import { ConfigError, type AppConfig, type Clock } from '@app/platform';
import type { Log } from '@app/projections';
import { DEFAULT_RETRY, SmsDispatcher, reminderCheckFrom, type RetryPolicy } from './dispatcher';
import { FileSmsSink } from './gateway/file-sink';
import { HttpSmsGateway } from './gateway/http-gateway';
import type { SmsGateway } from './gateway/port';
import { DEFAULT_MAX_AGE_MS, DEFAULT_REMINDERS, type ReminderSettings } from './messages';

export interface NotificationConfig {
  /** An http(s) SMS_GATEWAY_URL; without one, messages go to `sinkFile`. */
  gatewayUrl?: string;
  /** The path of a `file:` SMS_GATEWAY_URL, or by default `DATA_DIR/sms.ndjson`. */
  sinkFile: string;
  /** Why the dispatcher must not start: production with no SMS_GATEWAY_URL at all. */
  refusal?: string;
  gatewayTimeoutMs: number;
  retry: RetryPolicy;
  ratePerSecond: number;
  /** A message queued this much later than its time is cancelled, not sent. */
  maxAgeMs: number;
  reminders: ReminderSettings;
}

/**
 * The most days before a deadline a reminder may be set so that every contract gets it, under
 * every regulation version: a reminder not after its contract's opening is left out. The first
 * payment is due `firstPaymentDays` after the contract date; the exam `examMonths` Jalali months
 * after it, at least 29 + 30 × (months − 1) days (a run of months holds at most one Esfand of 29
 * days; the others have 30 or 31).
 */
const LONGEST_REMINDER = {
  payment: Math.min(...POLICY_TABLE.map((policy) => policy.firstPaymentDays)) - 1,
  exam: Math.min(...POLICY_TABLE.map((policy) => 29 + 30 * (policy.examMonths - 1))) - 1,
};

/**
 * SMS settings from the environment, beside the service's AppConfig: SMS_GATEWAY_URL (via
 * AppConfig: an http(s) gateway, or a `file:` URL naming the sink file; unset, DATA_DIR/sms.ndjson,
 * which production refuses: applicants would get nothing while ops saw "sent"), SMS_TIMEOUT_MS (10000), SMS_MAX_ATTEMPTS (56), SMS_RETRY_BASE_MS (2000),
 * SMS_RETRY_MAX_MS (300000), SMS_RATE_PER_SECOND (10), SMS_MAX_AGE_HOURS (48),
 * SMS_PAYMENT_REMINDER_DAYS (5), SMS_EXAM_REMINDER_DAYS (14).
 */
export function loadNotificationConfig(
  app: Pick<AppConfig, 'dataDir' | 'smsGatewayUrl'> & Partial<Pick<AppConfig, 'production'>>,
  env: NodeJS.ProcessEnv = process.env,
): NotificationConfig {
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got "${raw}"`);
    }
    return value;
  };
  const url = app.smsGatewayUrl;
  const sinkFile = url === undefined ? undefined : sinkFileOf(url);
  const retry = {
    maxAttempts: int('SMS_MAX_ATTEMPTS', DEFAULT_RETRY.maxAttempts, 1),
    baseDelayMs: int('SMS_RETRY_BASE_MS', DEFAULT_RETRY.baseDelayMs, 0),
    maxDelayMs: int('SMS_RETRY_MAX_MS', DEFAULT_RETRY.maxDelayMs, 0),
  };
  if (retry.baseDelayMs > retry.maxDelayMs) {
    throw new ConfigError(`SMS_RETRY_BASE_MS (${retry.baseDelayMs}) must not exceed SMS_RETRY_MAX_MS (${retry.maxDelayMs})`);
  }
  return {
    gatewayUrl: sinkFile === undefined ? url : undefined,
    sinkFile: sinkFile ?? join(app.dataDir, 'sms.ndjson'),
    ...(url === undefined && app.production
      ? { refusal: 'NODE_ENV=production needs SMS_GATEWAY_URL: the SMS gateway, or file:///path for a file sink on purpose' }
      : {}),
    gatewayTimeoutMs: int('SMS_TIMEOUT_MS', 10_000, 1),
    retry,
    ratePerSecond: int('SMS_RATE_PER_SECOND', 10, 1),
    maxAgeMs: int('SMS_MAX_AGE_HOURS', DEFAULT_MAX_AGE_MS / 3_600_000, 1) * 3_600_000,
    reminders: {
      paymentReminderDays: int('SMS_PAYMENT_REMINDER_DAYS', DEFAULT_REMINDERS.paymentReminderDays, 1, LONGEST_REMINDER.payment),
      examReminderDays: int('SMS_EXAM_REMINDER_DAYS', DEFAULT_REMINDERS.examReminderDays, 1, LONGEST_REMINDER.exam),
    },
  };
}

/** The HTTP gateway when a URL is configured, else the file sink. */
export function gatewayFor(config: NotificationConfig, clock: Clock): SmsGateway {
  return config.gatewayUrl ? new HttpSmsGateway({ url: config.gatewayUrl, timeoutMs: config.gatewayTimeoutMs }) : new FileSmsSink(config.sinkFile, clock);
}

/**
 * The file a `file:` SMS_GATEWAY_URL names, undefined for an http(s) gateway; anything else is a
 * ConfigError, which never echoes the value: it may carry credentials or an API key.
 */
function sinkFileOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('SMS_GATEWAY_URL is not a URL (its value is not shown, as it may hold a key)');
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    // fetch refuses such a URL on every send: refused here instead, at start.
    if (parsed.username || parsed.password) throw new ConfigError('SMS_GATEWAY_URL must not hold a user name or password (http://user:pass@…): a key goes in its path or query');
    return undefined;
  }
  if (parsed.protocol !== 'file:') throw new ConfigError('SMS_GATEWAY_URL must be an http(s) or file: URL (its value is not shown, as it may hold a key)');
  // `file:sms.ndjson` would name /sms.ndjson at the filesystem root, `file://host/…` another machine:
  // only an absolute path here (file:///path, file://localhost/path or file:/path).
  if (!/^file:(\/\/(localhost)?)?\/(?!\/)/i.test(url)) {
    throw new ConfigError('SMS_GATEWAY_URL as a file sink must be an absolute file:///path on this machine (its value is not shown, as it may hold a key)');
  }
  return fileURLToPath(parsed);
}

/**
 * Creates the outbox if need be and starts a dispatcher with these settings. Its lease is twice
 * the gateway timeout (at least a minute), so a slow call never outlives its claim.
 */
export async function startSmsDispatcher(options: {
  pool: Pool;
  eventStore: EventStore;
  clock: Clock;
  log: Log;
  config: NotificationConfig;
}): Promise<SmsDispatcher> {
  const { pool, eventStore, clock, log, config } = options;
  if (config.refusal) throw new ConfigError(config.refusal);
  const gateway = gatewayFor(config, clock);
  // A sink that cannot be written (a directory, no permission) would fail every message later, each after its retries.
  if (gateway instanceof FileSmsSink) {
    await gateway.open().catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(`the SMS sink file ${gateway.path} cannot be written (${error.code ?? error.message}): check SMS_GATEWAY_URL or DATA_DIR`);
    });
  }
  const dispatcher = await SmsDispatcher.create({
    pool,
    gateway,
    clock,
    log,
    reminders: reminderCheckFrom(eventStore),
    retry: config.retry,
    ratePerSecond: config.ratePerSecond,
    leaseMs: Math.max(60_000, 2 * config.gatewayTimeoutMs),
  });
  dispatcher.start();
  return dispatcher;
}
