/** Structured log lines (the API maps them to its pino logger; the projector CLI prints JSON). */
export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export type Log = (entry: LogEntry) => void;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A sleep that `wake()` ends early (stop, a signal that there is work). */
export class Sleeper {
  private wakeUp: (() => void) | undefined;
  private closed = false;

  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.wakeUp === done) self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** Ends the current sleep and makes every later one return at once (stopping). */
  close(): void {
    this.closed = true;
    this.wake();
  }
}
