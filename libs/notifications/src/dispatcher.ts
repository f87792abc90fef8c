import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { fold, contractStream } from '@app/contracts-app';
import type { EventStore } from '@app/event-store';
import { SystemClock, type Clock } from '@app/platform';
import { DueWorkLoop, errorMessage, type Log } from '@app/projections';
import { redactMobiles, withoutGatewayBody, type SendOutcome, type SmsGateway } from './gateway/port';
import { REMINDER_TEMPLATES, reminderObsolete } from './messages';
import { migrateOutbox } from './outbox';
import type { Template } from './templates';

export interface RetryPolicy {
  /** Gateway calls before a message that keeps failing with 5xx or timeouts is given up (failed). */
  maxAttempts: number;
  /** Backoff before the second attempt; it doubles each time, up to maxDelayMs, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * 56 attempts keep a message through a gateway outage of about two hours or more: the doubling
 * delays reach the 5-minute cap after the 9th attempt, so with the shortest jitter (half of each
 * delay) the 55 waits add up to 255 s + 47 × 150 s ≈ 2 h 2 min, typically ≈ 3 h, at most ≈ 4 h
 * (gateway timeouts come on top). A maintenance window must not turn messages into `failed`.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 56, baseDelayMs: 2_000, maxDelayMs: 300_000 };

/**
 * The wait after the `attempts`-th failed call: exponential with "equal jitter", half fixed, half
 * random (`random` in [0, 1)), so dispatchers do not retry in step.
 */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
  return ceiling / 2 + random * (ceiling / 2);
}

/** Why a reminder no longer applies now (paid, exam passed, closed), or null to send it. */
export type ReminderCheck = (contractId: string, template: Template, now: Date) => Promise<string | null>;

/** Asks the contract's own stream, not a read model that may lag behind a payment. */
export function reminderCheckFrom(eventStore: EventStore): ReminderCheck {
  return async (contractId, template, now) => reminderObsolete(template, fold(await eventStore.readFoldable(contractStream(contractId))), now);
}

export interface DispatcherOptions {
  pool: Pool;
  gateway: SmsGateway;
  /** Business time: a reminder waits for its day by it (a ManualClock's change wakes the dispatcher); sentAt is stamped with it. */
  clock: Clock;
  /** Operational time for leases, backoff and the rate limit (default: the system clock). */
  wallClock?: Clock;
  log: Log;
  reminders: ReminderCheck;
  retry?: Partial<RetryPolicy>;
  /** Most gateway calls per second from this dispatcher (default 10). */
  ratePerSecond?: number;
  /** A claimed message is this dispatcher's for this long, then anyone's again (default 60 s); keep it above the gateway timeout. */
  leaseMs?: number;
  /** How often it looks for due messages (default 500 ms); the business clock moving wakes it at once. */
  pollMs?: number;
  /** Jitter source in [0, 1) (tests pin it). */
  random?: () => number;
}

interface Claimed {
  message_id: string;
  contract_id: string;
  template: Template;
  recipient: string;
  text: string;
  attempts: number;
}

type Finish =
  | { status: 'sent' }
  | { status: 'failed' | 'cancelled'; error: string }
  | { status: 'pending'; error: string; retryAt: Date };

/**
 * Sends the outbox's due messages through the gateway. Any number may run against one database:
 *  - a message is claimed with `FOR UPDATE SKIP LOCKED` and leased (`available_at`), so no two
 *    dispatchers hold it at once, and a dispatcher that dies mid-send leaves it to be retried
 *    when the lease ends — with the same `messageId`, which lets the gateway drop a duplicate;
 *  - its outcome is recorded only by the claim that sent it (`claim_token`);
 *  - 5xx and timeouts come back after an exponential, jittered backoff, up to maxAttempts;
 *    4xx fails it for good with the reason;
 *  - a reminder whose reason vanished (paid, exam passed) is cancelled instead of sent; one whose
 *    check fails is retried like a failed send.
 * Recipients and texts never reach the log.
 */
export class SmsDispatcher {
  private readonly loop: DueWorkLoop;
  private readonly wallClock: Clock;
  private readonly retry: RetryPolicy;
  private nextSlot = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.wallClock = options.wallClock ?? new SystemClock();
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.loop = new DueWorkLoop({ clock: options.clock, pollMs: options.pollMs ?? 500, round: () => this.drain(), log: options.log, what: 'sms dispatch' });
  }

  static async create(options: DispatcherOptions): Promise<SmsDispatcher> {
    await migrateOutbox(options.pool);
    return new SmsDispatcher(options);
  }

  start(): void {
    this.loop.start();
  }

  /** Finishes the message in hand (a send is bounded by the gateway timeout), then stops. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * Handles every message claimable now and resolves with how many it handled. Calls queue behind
   * each other and behind the background round. Messages in backoff are left for later rounds.
   */
  runDue(): Promise<number> {
    return this.loop.runDue();
  }

  private async drain(): Promise<number> {
    let handled = 0;
    while (!this.loop.stopped) {
      const token = randomUUID();
      const message = await this.claim(token);
      if (!message) break;
      await this.handle(message, token);
      handled += 1;
    }
    return handled;
  }

  /** One statement in autocommit: the row lock lasts only while the lease is written. */
  private async claim(token: string): Promise<Claimed | undefined> {
    const now = this.wallClock.now();
    const { rows } = await this.options.pool.query<Claimed>(
      `UPDATE public.sms_outbox o SET claim_token = $1, available_at = $2
       FROM (SELECT message_id FROM public.sms_outbox
             WHERE status = 'pending' AND not_before <= $3 AND available_at <= $4
             ORDER BY not_before, seq
             LIMIT 1
             FOR UPDATE SKIP LOCKED) due
       WHERE o.message_id = due.message_id
       RETURNING o.message_id, o.contract_id, o.template, o.recipient, o.text, o.attempts`,
      [token, new Date(now.getTime() + (this.options.leaseMs ?? 60_000)), this.options.clock.now(), now],
    );
    return rows[0];
  }

  private async handle(message: Claimed, token: string): Promise<void> {
    if (REMINDER_TEMPLATES.includes(message.template)) {
      let obsolete: string | null;
      try {
        obsolete = await this.options.reminders(message.contract_id, message.template, this.options.clock.now());
      } catch (error) {
        // Whether it still applies is unknown (its stream unreadable): an attempt like a failed
        // send, retried with backoff and failed in the end, so it shows in `sms failed`.
        return this.tryAgainLater(message, token, `reminder check failed: ${redactMobiles(errorMessage(error))}`);
      }
      if (obsolete !== null) return this.finish(message, token, false, { status: 'cancelled', error: `not sent: ${obsolete}` });
    }
    await this.throttle();
    const outcome = await this.options.gateway
      .send({ messageId: message.message_id, to: message.recipient, text: message.text })
      .catch((error: unknown): SendOutcome => ({ kind: 'retry', reason: redactMobiles(errorMessage(error)) }));
    if (outcome.kind === 'sent') return this.finish(message, token, true, { status: 'sent' });
    if (outcome.kind === 'rejected') return this.finish(message, token, true, { status: 'failed', error: outcome.reason });
    return this.tryAgainLater(message, token, outcome.reason);
  }

  /** A failed attempt: pending again after a backoff, or failed once the attempts are spent. */
  private tryAgainLater(message: Claimed, token: string, reason: string): Promise<void> {
    const attempts = message.attempts + 1;
    if (attempts >= this.retry.maxAttempts) {
      return this.finish(message, token, true, { status: 'failed', error: `gave up after ${attempts} attempts: ${reason}` });
    }
    const retryAt = new Date(this.wallClock.now().getTime() + retryDelayMs(this.retry, attempts, (this.options.random ?? Math.random)()));
    return this.finish(message, token, true, { status: 'pending', error: reason, retryAt });
  }

  /** Records the outcome if this claim still holds the message (its lease may have ended meanwhile). */
  private async finish(message: Claimed, token: string, attempted: boolean, finish: Finish): Promise<void> {
    const now = this.options.clock.now();
    const done = finish.status !== 'pending';
    const { rowCount } = await this.options.pool.query(
      `UPDATE public.sms_outbox
       SET status = $3, attempts = attempts + $4, last_error = COALESCE($5, last_error),
           sent_at = $6, finished_at = $7, available_at = COALESCE($8, available_at), claim_token = NULL
       WHERE message_id = $1 AND claim_token = $2`,
      [
        message.message_id,
        token,
        finish.status,
        attempted ? 1 : 0,
        finish.status === 'sent' ? null : finish.error,
        finish.status === 'sent' ? now : null,
        done ? now : null,
        finish.status === 'pending' ? finish.retryAt : null,
      ],
    );
    const entry = { messageId: message.message_id, template: message.template, attempts: message.attempts + (attempted ? 1 : 0) };
    if (rowCount === 0) {
      this.options.log({ level: 'warn', msg: 'sms claim lost before its outcome was recorded', ...entry, outcome: finish.status });
    } else if (finish.status === 'sent') {
      this.options.log({ level: 'info', msg: 'sms sent', ...entry });
    } else {
      // A message not taken yet is a warning: at LOG_LEVEL=warn a gateway outage shows before messages fail.
      const level = finish.status === 'failed' ? 'error' : finish.status === 'pending' ? 'warn' : 'info';
      this.options.log({ level, msg: `sms ${finish.status}`, ...entry, error: withoutGatewayBody(finish.error) });
    }
  }

  /** Spaces gateway calls at least 1/ratePerSecond apart. */
  private async throttle(): Promise<void> {
    const interval = 1000 / (this.options.ratePerSecond ?? 10);
    const now = this.wallClock.now().getTime();
    const wait = this.nextSlot - now;
    this.nextSlot = Math.max(now, this.nextSlot) + interval;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
