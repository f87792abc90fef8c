import type { EventStore, RecordedEvent, Subscription } from '@app/event-store';

export interface Page {
  events: RecordedEvent[];
  /** As many events as asked for (or a final page): read on at once; short means "at the head for now". */
  full: boolean;
}

/** Catch-up grows batches up to this multiple of the batch size: fewer transactions and round trips. */
const CATCH_UP_GROWTH = 8;

/** How many events to ask for after `page`: twice as many after a full one (catch-up), else `batchSize`. */
export function nextLimit(page: Page, limit: number, batchSize: number): number {
  return page.full ? Math.min(limit * 2, batchSize * CATCH_UP_GROWTH) : batchSize;
}

interface Stored {
  from: bigint;
  events: RecordedEvent[];
}

/** How many events of recent pages stay in memory for runners a little behind (default). */
const KEEP_EVENTS = 20_000;
/** Longest wait at the head without news. */
const IDLE_POLL_MS = 5_000;
/**
 * A runner that has not read for this long (applying a huge batch, failing, stopped) no longer
 * holds pages in memory nor the others back (default).
 */
const STALL_MS = 2_000;

/**
 * The event store read once per process for all its projection runners. Runners at the same
 * position share one `readAll` in flight, and recent pages are kept for runners a little behind:
 * a page is final up to its last event (the PostgreSQL adapter returns only events below every
 * open transaction, so nothing can appear inside a returned range later). A short page, read at
 * the head, may have more after it: a runner reading from inside it gets the rest of it and what
 * the store has after it, so runners that wake at different moments still read each event from the
 * store once, not once each. The page after a full one is read ahead while the runners apply.
 * Runners that say who they are (`read`'s `runner`) are kept together: a page one of them still
 * needs stays while it reads on, and the runner furthest ahead waits for it when the kept pages
 * are full, so the store is read and parsed once however many runners there are.
 * A runner that has not read for `stallMs` holds nothing; it falls behind the kept pages and reads
 * for itself through the same call, so a slow or failing projection never holds the others back.
 * Waiting at the head is one short-lived store subscription for all runners (`waitBeyond`).
 */
export class SharedReader {
  private readonly inFlight = new Map<bigint, { limit: number; read: Promise<RecordedEvent[]> }>();
  /** Pages read, oldest first. */
  private readonly kept: Stored[] = [];
  private keptEvents = 0;
  /** Highest position any read has returned. */
  private seen = 0n;
  private readonly waiters = new Set<{ after: bigint; resolve: () => void }>();
  private wakeSubscription: Subscription | undefined;
  private headInFlight: Promise<bigint> | undefined;
  private stopped = false;
  /** Where each runner that said who it is reads from next, and since when (performance.now()). */
  private readonly runners = new Map<object, { at: bigint; since: number }>();
  /** Leaders waiting for room: called whenever a runner reads on. */
  private readonly onProgress = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    private readonly keepEvents = KEEP_EVENTS,
    private readonly stallMs = STALL_MS,
  ) {}

  /**
   * The events after `from`, up to `limit`, as `readAll` would return them now. `runner`, any
   * object that stays the same for one runner, keeps it together with the others.
   */
  async read(from: bigint, limit: number, runner?: object): Promise<Page> {
    if (runner) {
      this.note(runner, from);
      // The runner furthest ahead is about to read new events: room first.
      if (from >= this.seen && !this.inFlight.has(from)) await this.roomAhead(runner);
    }
    const page = await this.lookUp(from, limit);
    if (runner && page.events.length > 0) this.note(runner, page.events[page.events.length - 1]!.position);
    // Read the next page while the caller applies this one: catch-up reads and applies at once.
    if (page.full && page.events.length > 0 && !this.stopped && this.keptEvents < this.keepEvents) {
      const last = page.events[page.events.length - 1]!.position;
      if (!this.fromKept(last, 1) && !this.inFlight.has(last)) this.start(last, limit).catch(() => undefined);
    }
    return page;
  }

  /** A runner is done with this reader (stopped, or lost its lease): it holds no page any more. */
  leave(runner: object): void {
    this.runners.delete(runner);
    this.progressed();
  }

  /** Where `runner` reads from next. */
  private note(runner: object, at: bigint): void {
    this.runners.set(runner, { at, since: performance.now() });
    this.progressed();
  }

  /** A runner moved (or left): leaders waiting for room look again. */
  private progressed(): void {
    for (const progress of [...this.onProgress]) progress();
  }

  /** The store's head; runners asking at the same time (a status poll of all of them) share one query. */
  head(): Promise<bigint> {
    this.headInFlight ??= this.store.headPosition().finally(() => (this.headInFlight = undefined));
    return this.headInFlight;
  }

  /**
   * The first event after `position` (for lag), from a kept page or a read in flight; a read of its
   * own is not shared, so a runner never joins it and gets a one-event batch.
   */
  async first(position: bigint): Promise<RecordedEvent | undefined> {
    const kept = this.fromKept(position, 1);
    if (kept) return kept[0];
    const shared = this.inFlight.get(position);
    return (await (shared?.read ?? this.store.readAll({ fromPosition: position, limit: 1 })))[0];
  }

  private async lookUp(from: bigint, limit: number): Promise<Page> {
    // Kept pages first, one after another: a runner that woke later than others gets what they
    // read in one batch (a batch per page cost a transaction each).
    let kept: RecordedEvent[] = [];
    let at = from;
    for (let part = this.fromKept(at, limit); part; part = this.fromKept(at, limit - kept.length)) {
      kept = kept.length === 0 ? part : kept.concat(part); // not push(...part): a catch-up page may be too long to spread
      at = part[part.length - 1]!.position;
      if (kept.length === limit) return { events: kept, full: true };
    }
    // Then the store, after what was kept (a short page may have more after it by now).
    const shared = this.inFlight.get(at) ?? { limit: limit - kept.length, read: this.start(at, limit - kept.length) };
    const events = await shared.read;
    // A page as long as either limit is final up to its end; only a short one is "the head".
    const wanted = limit - kept.length;
    const full = events.length >= Math.min(wanted, shared.limit);
    const read = events.length > wanted ? events.slice(0, wanted) : events;
    return { events: kept.length === 0 ? read : kept.concat(read), full };
  }

  private start(from: bigint, limit: number): Promise<RecordedEvent[]> {
    const read = this.store.readAll({ fromPosition: from, limit });
    const shared = { limit, read };
    this.inFlight.set(from, shared);
    void read.then(
      (events) => this.settled(from, shared, events),
      () => this.inFlight.get(from) === shared && this.inFlight.delete(from),
    );
    return read;
  }

  /** Resolves once an event after `position` has been seen (or the reader stops). */
  waitBeyond(position: bigint): Promise<void> {
    if (this.stopped || this.seen > position) return Promise.resolve();
    const waiting = new Promise<void>((resolve) => {
      // Also a poll, like the store's subscriptions: covers events that became visible below where
      // the wake subscription started (an old transaction ending), which it never reports.
      const timer = setTimeout(done, IDLE_POLL_MS);
      const waiter = { after: position, resolve: done };
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve();
      }
      this.waiters.add(waiter);
    });
    this.watch();
    return waiting;
  }

  /**
   * While runners wait, one store subscription from the lowest position waited on, reading one
   * event at a time: it only has to tell that something arrived, and it ends with its first
   * delivery, so it costs nothing while the runners are busy applying.
   */
  private watch(): void {
    if (this.wakeSubscription || this.waiters.size === 0) return;
    let from: bigint | undefined;
    for (const waiter of this.waiters) if (from === undefined || waiter.after < from) from = waiter.after;
    const subscription: Subscription = this.store.subscribe({
      fromPosition: from!,
      batchSize: 1,
      handler: async (events) => {
        if (this.wakeSubscription === subscription) this.wakeSubscription = undefined;
        void subscription.stop();
        this.advance(events[0]!.position);
        if (!this.stopped) this.watch();
      },
    });
    this.wakeSubscription = subscription;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of [...this.waiters]) waiter.resolve();
    this.progressed();
    await this.wakeSubscription?.stop();
  }

  /**
   * Before a read beyond everything kept: while the kept pages are full and the oldest is still
   * needed by another runner, wait (up to `stallMs` in all) for it to read on.
   */
  private async roomAhead(runner: object): Promise<void> {
    const deadline = performance.now() + this.stallMs;
    while (!this.stopped && this.keptEvents >= this.keepEvents && this.oldestNeeded(runner)) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const progress = this.onProgress;
        function done() {
          clearTimeout(timer);
          progress.delete(done);
          resolve();
        }
        progress.add(done);
      });
    }
  }

  /** Whether a runner other than `except`, still reading, reads next from inside the oldest kept page. */
  private oldestNeeded(except?: object): boolean {
    const oldest = this.kept[0];
    if (!oldest) return false;
    const end = oldest.events[oldest.events.length - 1]!.position;
    const now = performance.now();
    for (const [runner, { at, since }] of this.runners) {
      if (runner !== except && at < end && at >= oldest.from && now - since < this.stallMs) return true;
    }
    return false;
  }

  private settled(from: bigint, shared: object, events: RecordedEvent[]): void {
    if (this.inFlight.get(from) === shared) this.inFlight.delete(from);
    if (events.length === 0) return;
    this.advance(events[events.length - 1]!.position);
    // Short pages too: a page is final up to its last event, however short (see the class's comment).
    this.kept.push({ from, events });
    this.keptEvents += events.length;
    // Over the budget a page a runner still needs stays, up to twice the budget (a leader waits
    // for room before it reads on, so only reads already under way can take it past).
    while (this.keptEvents > this.keepEvents && (!this.oldestNeeded() || this.keptEvents > 2 * this.keepEvents)) {
      this.keptEvents -= this.kept.shift()!.events.length;
    }
  }

  /** Up to `limit` events after `from` from a kept page whose range covers `from`. */
  private fromKept(from: bigint, limit: number): RecordedEvent[] | undefined {
    for (let i = this.kept.length - 1; i >= 0; i--) {
      const page = this.kept[i]!;
      const events = page.events;
      if (from < page.from || from >= events[events.length - 1]!.position) continue;
      const start = firstAfter(events, from);
      return events.slice(start, start + limit);
    }
    return undefined;
  }

  private advance(position: bigint): void {
    if (position <= this.seen) return;
    this.seen = position;
    for (const waiter of this.waiters) {
      if (waiter.after < position) waiter.resolve();
    }
  }
}

/** Index of the first event positioned after `position` (events in position order). */
function firstAfter(events: readonly RecordedEvent[], position: bigint): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (events[middle]!.position <= position) low = middle + 1;
    else high = middle;
  }
  return low;
}
