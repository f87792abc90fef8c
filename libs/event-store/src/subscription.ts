import type { RecordedEvent, SubscribeOptions, Subscription } from './port';

/** Reads up to `limit` events after `fromPosition`, in global order (an adapter's readAll). */
export type ReadAfter = (fromPosition: bigint, limit: number) => Promise<RecordedEvent[]>;

export interface PullTiming {
  /** Longest sleep without a wake-up: the safety net for a lost notification. */
  idlePollMs: number;
  /** First retry after a failing handler or read; doubles up to `idlePollMs`. */
  retryMs?: number;
}

/**
 * Catch-up then live delivery by pulling pages from the store: read a batch after the checkpoint,
 * hand it over, advance; when nothing is left, sleep until `wake()` (an append, here or in another
 * process) or the idle poll. Being pull-based, catch-up and live are the same loop, and a slow
 * handler only delays its own subscription.
 */
export class PullSubscription implements Subscription {
  private stopped = false;
  private readonly done: Promise<void>;
  /** Counts wake-ups, so one arriving while we read is not lost when we go to sleep after. */
  private wakeups = 0;
  /** Highest position announced as committed; more than the checkpoint means "look again soon". */
  private announced = 0n;
  private interruptSleep: (() => void) | undefined;

  constructor(
    private readonly readAfter: ReadAfter,
    private readonly options: SubscribeOptions,
    private readonly timing: PullTiming,
    private readonly onStopped: (subscription: PullSubscription) => void = () => undefined,
  ) {
    this.done = this.run();
  }

  /** Something was committed (at `position`, when known): look for it. */
  wake(position?: bigint): void {
    if (position !== undefined && position > this.announced) this.announced = position;
    this.wakeups += 1;
    this.interruptSleep?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interruptSleep?.();
    await this.done;
    this.onStopped(this);
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const retryMs = this.timing.retryMs ?? 100;
    let checkpoint = this.options.fromPosition;
    let failures = 0;
    let emptyReads = 0;
    while (!this.stopped) {
      const wakeupsBefore = this.wakeups;
      try {
        const batch = await this.readAfter(checkpoint, batchSize);
        if (batch.length > 0) {
          await this.options.handler(batch);
          checkpoint = batch[batch.length - 1]!.position;
          failures = 0;
          emptyReads = 0;
          continue;
        }
      } catch (error) {
        this.options.onError?.(error);
        failures += 1;
        await this.sleep(Math.min(retryMs * 2 ** (failures - 1), this.timing.idlePollMs));
        continue;
      }
      if (this.wakeups !== wakeupsBefore) continue;
      // Announced but not visible yet: an older transaction is still open (see the PostgreSQL
      // adapter's visibility rule), and its commit may wake nobody. Look again soon, backing off.
      emptyReads += 1;
      const waitingForVisibility = this.announced > checkpoint;
      await this.sleep(waitingForVisibility ? Math.min(5 * 2 ** emptyReads, this.timing.idlePollMs) : this.timing.idlePollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.interruptSleep = finish;
    }).then(() => {
      this.interruptSleep = undefined;
    });
  }
}
