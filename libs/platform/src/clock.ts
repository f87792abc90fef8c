/** Time is a port: nothing outside this file reads the system clock. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * For tests and demos (`CLOCK_MODE=manual`): time stands still until set. Listeners hear every
 * change so due deadlines can fire at once instead of waiting for the next poll.
 */
export class ManualClock implements Clock {
  private listeners: Array<(now: Date) => void> = [];

  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current.getTime());
  }

  set(next: Date): void {
    this.current = new Date(next.getTime());
    for (const listener of this.listeners) listener(this.now());
  }

  onChange(listener: (now: Date) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}
