import type { AppendResult, ExpectedRevision, NewEvent } from '../port';

export interface AppendRequest {
  streamId: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
}

export interface PendingAppend extends AppendRequest {
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** A statement's positions hold the event's index in its transaction in 16 bits (see schema.ts). */
export const MAX_EVENTS_PER_TRANSACTION = 0xffff;
/** Appends in one statement at most: keeps its JSON and its plan small. */
const MAX_APPENDS_PER_GROUP = 64;

/**
 * Group commit: at most `maxInFlight` append statements run at once; appends that arrive while
 * they run wait and then go together, as one statement and one transaction. Alone (no other
 * append running) an append goes at once, so it waits for nobody. Under load, one commit (one
 * round trip, one executor start, one WAL flush) serves many appends: each transaction costs both
 * processes CPU on the same two cores, which is what bounded appends at 16 connections.
 *
 * Two appends to one stream never share a group (the second was likely decided on the first's
 * result); the later one waits for the next group. `flush` must settle every append it is given.
 */
export class GroupCommit {
  private readonly queue: PendingAppend[] = [];
  private inFlight = 0;

  constructor(
    private readonly flush: (group: PendingAppend[]) => Promise<void>,
    private readonly maxInFlight: number,
  ) {
    if (!(maxInFlight >= 1)) throw new Error(`maxInFlight must be at least 1: ${maxInFlight}`);
  }

  submit(request: AppendRequest): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const group = this.takeGroup();
      this.inFlight += 1;
      this.flush(group)
        .catch((error: unknown) => group.forEach((append) => append.reject(error)))
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }

  /** The oldest waiting appends that fit one statement, in arrival order, one per stream. */
  private takeGroup(): PendingAppend[] {
    const group: PendingAppend[] = [];
    const streams = new Set<string>();
    let events = 0;
    for (let i = 0; i < this.queue.length && group.length < MAX_APPENDS_PER_GROUP; ) {
      const append = this.queue[i]!;
      const fits = events + append.events.length <= MAX_EVENTS_PER_TRANSACTION;
      if (fits && !streams.has(append.streamId)) {
        group.push(append);
        streams.add(append.streamId);
        events += append.events.length;
        this.queue.splice(i, 1);
      } else {
        i += 1;
        if (!fits) break; // keep arrival order across the statement-size limit
      }
    }
    return group;
  }
}
