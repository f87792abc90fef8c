import type { Clock } from '@app/platform';
import { errorMessage, Sleeper, type Log } from './log';

export interface DueWorkLoopOptions {
  /** A ManualClock's changes wake the loop at once (tests, demos). */
  clock: Clock;
  /** Longest sleep when nothing wakes the loop. */
  pollMs: number;
  /** Handles everything due now; resolves with how much it handled. */
  round: () => Promise<number>;
  log: Log;
  /** Names the work in the warning logged when a background round fails. */
  what: string;
}

/**
 * Work that becomes due with time or with new rows (deadlines, SMS): a background loop runs
 * `round` whenever woken (a commit, the clock moving) or after `pollMs`, and `runDue()` lets a
 * caller run one round and wait for it. Rounds never overlap: each queues behind the one before.
 */
export class DueWorkLoop {
  private readonly sleeper = new Sleeper();
  private stoppedFlag = false;
  private dirty = true;
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DueWorkLoopOptions) {}

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  start(): void {
    const clock = this.options.clock as Clock & { onChange?: (listener: () => void) => () => void };
    this.unsubscribe = clock.onChange?.(() => this.wake());
    this.loop ??= this.run();
  }

  /** Something may be due: new rows were committed, or the clock moved. */
  wake(): void {
    this.dirty = true;
    this.sleeper.wake();
  }

  /** Lets the round in hand finish, then stops. */
  async stop(): Promise<void> {
    this.stoppedFlag = true;
    this.unsubscribe?.();
    this.sleeper.close();
    await this.loop;
  }

  /** Runs one round after any round in progress; resolves with what that round handled. */
  runDue(): Promise<number> {
    const round = this.queue.then(() => this.options.round());
    this.queue = round.catch(() => 0);
    return round;
  }

  private async run(): Promise<void> {
    while (!this.stoppedFlag) {
      this.dirty = false;
      try {
        await this.runDue();
      } catch (error) {
        // The table may not exist yet (first start) or the database blipped: next round.
        this.options.log({ level: 'warn', msg: `${this.options.what} round failed`, error: errorMessage(error) });
      }
      if (!this.dirty) await this.sleeper.sleep(this.options.pollMs);
    }
  }
}
