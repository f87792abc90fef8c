import { assertAppendable, meetsExpectation, retriedAppend } from '../append-rules';
import {
  ConcurrencyError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type FoldableEvent,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  toFoldable,
} from '../port';
import { PullSubscription } from '../subscription';
import { Upcasters } from '../upcasters';

export interface InMemoryEventStoreOptions {
  upcasters?: Upcasters;
}

/**
 * The whole store in one process's memory, for fast unit tests. Positions are dense (1, 2, 3...).
 * Events are copied in and out, as a real store serialises them, so callers cannot mutate history.
 */
export class InMemoryEventStore implements EventStore {
  /** Index i holds position i + 1. */
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly subscriptions = new Set<PullSubscription>();
  private readonly upcasters: Upcasters;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.upcasters = options.upcasters ?? new Upcasters();
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertAppendable(streamId, events);
    const stream = this.streams.get(streamId) ?? [];
    const actual = stream.length === 0 ? 'no_stream' : stream.length - 1;
    const stored = events.flatMap((event) => this.byId.get(event.id) ?? []);
    const retry = retriedAppend(streamId, events, expected, stored, actual);
    if (retry) return retry;
    if (!meetsExpectation(expected, actual)) throw new ConcurrencyError(streamId, expected, actual);

    const recordedAt = new Date();
    for (const event of events) {
      const recorded: RecordedEvent = {
        id: event.id,
        streamId,
        revision: stream.length,
        position: BigInt(this.log.length + 1),
        type: event.type,
        version: event.version,
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata),
        recordedAt,
      };
      stream.push(recorded);
      this.log.push(recorded);
      this.byId.set(recorded.id, recorded);
    }
    this.streams.set(streamId, stream);
    const last = stream[stream.length - 1]!;
    for (const subscription of this.subscriptions) subscription.wake(last.position);
    return { nextRevision: last.revision, position: last.position, written: true };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { fromRevision = 0, toRevision = Number.MAX_SAFE_INTEGER, asOf } = options;
    const stream = this.streams.get(streamId) ?? [];
    const after = asOf === undefined ? -1 : stream.findIndex((event) => Date.parse(event.metadata.occurredAt) > asOf.getTime());
    return (after === -1 ? stream : stream.slice(0, after))
      .filter((event) => event.revision >= fromRevision && event.revision <= toRevision)
      .map((event) => this.output(event));
  }

  async readFoldable(streamId: string, options?: ReadStreamOptions): Promise<FoldableEvent[]> {
    return (await this.readStream(streamId, options)).map(toFoldable);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const start = Number(options.fromPosition ?? 0n);
    const end = options.limit === undefined ? undefined : start + options.limit;
    return this.log.slice(start, end).map((event) => this.output(event));
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.log.length);
  }

  subscribe(options: SubscribeOptions): Subscription {
    // Every append wakes subscriptions directly; the idle poll is only a formality here.
    const subscription = new PullSubscription(
      (fromPosition, limit) => this.readAll({ fromPosition, limit }),
      options,
      { idlePollMs: 60_000, retryMs: 10 },
      (stopped) => this.subscriptions.delete(stopped),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
  }

  private output(event: RecordedEvent): RecordedEvent {
    return this.upcasters.upcast({ ...event, data: structuredClone(event.data), metadata: structuredClone(event.metadata) });
  }
}
