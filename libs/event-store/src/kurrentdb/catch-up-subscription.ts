import type { ReadableOptions } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AllStreamResolvedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../port';

export interface CatchUpTiming {
  /** First wait after a drop or a failed handler; doubles up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}

const DEFAULT_BATCH_SIZE = 500;

/**
 * Delivers `$all` through a KurrentDB catch-up subscription (the server reads history, then
 * switches to live on its own) in batches: a batch closes at `batchSize` or when nothing more is
 * buffered, and the next waits for the handler. A failing handler gets the same batch again after
 * a backoff. When the subscription drops (a leader change, a lost connection, the server ending
 * it), it reports the error and resubscribes after the last delivered position.
 *
 * `open` gets the stream options to subscribe with: a `highWaterMark` of `batchSize`. The client's
 * subscription is an object-mode stream fed by `pipe()` from the gRPC call, so backpressure keeps
 * no more than its high-water mark buffered. At Node's default of 16 objects, "nothing more is
 * buffered" came after 16 to 31 events, and catching up ran in batches of that size whatever
 * `batchSize` said.
 */
export class CatchUpSubscription implements Subscription {
  private stopped = false;
  private checkpoint: bigint;
  private failures = 0;
  private current: AllStreamSubscription | undefined;
  /** Aborted by stop(), cutting a backoff short. */
  private readonly stopping = new AbortController();
  private readonly done: Promise<void>;

  constructor(
    private readonly open: (after: bigint, readable: ReadableOptions) => AllStreamSubscription,
    private readonly toRecorded: (resolved: AllStreamResolvedEvent) => RecordedEvent | undefined,
    private readonly options: SubscribeOptions,
    private readonly timing: CatchUpTiming,
    private readonly onStopped: (subscription: CatchUpSubscription) => void = () => undefined,
  ) {
    this.checkpoint = options.fromPosition;
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    if (this.current) await close(this.current);
    await this.done;
    this.onStopped(this);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const subscription = this.open(this.checkpoint, { highWaterMark: this.batchSize });
      this.current = subscription;
      try {
        await this.consume(subscription);
        if (!this.stopped) throw new Error('KurrentDB ended the subscription');
      } catch (error) {
        if (this.stopped) break;
        this.options.onError?.(error);
      } finally {
        this.current = undefined;
        await close(subscription);
      }
      await this.backOff();
    }
  }

  private get batchSize(): number {
    return this.options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  private async consume(subscription: AllStreamSubscription): Promise<void> {
    const batchSize = this.batchSize;
    let batch: RecordedEvent[] = [];
    for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
      const event = this.toRecorded(resolved);
      // After a resubscription the server may hand back the checkpoint's own event: skip it.
      if (event && event.position > (batch[batch.length - 1]?.position ?? this.checkpoint)) batch.push(event);
      if (batch.length > 0 && (batch.length >= batchSize || subscription.readableLength === 0)) {
        await this.deliver(batch);
        if (this.stopped) return;
        batch = [];
      }
    }
  }

  /** Hands the batch over until the handler takes it (or the subscription stops). */
  private async deliver(batch: RecordedEvent[]): Promise<void> {
    while (!this.stopped) {
      try {
        await this.options.handler(batch);
        this.checkpoint = batch[batch.length - 1]!.position;
        this.failures = 0;
        return;
      } catch (error) {
        this.options.onError?.(error);
        await this.backOff();
      }
    }
  }

  private async backOff(): Promise<void> {
    this.failures += 1;
    const ms = Math.min(this.timing.retryMs * 2 ** (this.failures - 1), this.timing.maxRetryMs);
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}

/** Cancels the gRPC call and ends the stream, so a `for await` waiting on it returns. */
async function close(subscription: AllStreamSubscription): Promise<void> {
  await subscription.unsubscribe().catch(() => undefined);
  subscription.destroy();
}
