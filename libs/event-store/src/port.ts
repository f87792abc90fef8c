/**
 * The event store port. Every adapter (in-memory, PostgreSQL, KurrentDB) implements it and passes
 * the shared contract suite (`contract-suite.ts`).
 *
 * Revisions are 0-based per stream, as in KurrentDB: the first event of a stream is revision 0.
 * Positions are the global order across all streams: strictly increasing and above 0, but not
 * dense and not small (the PostgreSQL adapter derives them from transaction ids), so never
 * count with them; only compare them and resume after them.
 */

/** Who did it, through which door, and why: stored beside every event. */
export interface EventMetadata {
  eventId: string;
  commandId?: string;
  correlationId: string;
  causationId?: string;
  actor: { sub: string; role: string };
  channel: string;
  /** The officer's branch, for a branch officer's command. */
  branchId?: string;
  /** The confirming bank, for a bank's command (events written before it was recorded have none). */
  bankId?: string;
  occurredAt: string; // ISO-8601, from the injected clock
  schemaVersion?: number;
}

/** An event to append. `id` must be deterministic for a retry (derived from the command). */
export interface NewEvent {
  id: string; // UUID
  type: string;
  version: number; // schema version of `data`
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  streamId: string;
  revision: number;
  position: bigint;
  type: string;
  version: number; // after upcasting: the current version
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recordedAt: Date;
}

/**
 * What folding a stream needs of each event: its data and the command that appended it, none of
 * the rest of the metadata (for a contract, the metadata is most of the bytes a read carries).
 */
export interface FoldableEvent {
  revision: number;
  type: string;
  version: number; // after upcasting: the current version
  data: Record<string, unknown>;
  commandId?: string;
}

export function toFoldable({ revision, type, version, data, metadata }: RecordedEvent): FoldableEvent {
  return { revision, type, version, data, ...(metadata.commandId === undefined ? {} : { commandId: metadata.commandId }) };
}

/** What the writer expects the stream to look like before its append. */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface AppendResult {
  /** Revision of the last event in the stream after the append (or of the already stored events). */
  nextRevision: number;
  /** Global position of the last appended (or already stored) event. */
  position: bigint;
  /** False when every event id was already stored: an idempotent retry, nothing written. */
  written: boolean;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  /** Auditors: stop after this revision (inclusive). */
  toRevision?: number;
  /**
   * Auditors: the stream as it stood at this instant: its events up to (not including) the first
   * whose metadata.occurredAt is after it. A prefix, never a selection: clocks of several hosts may
   * stamp a later event earlier, and skipping an event would fold a state that never existed.
   */
  asOf?: Date;
}

export interface ReadAllOptions {
  /** Exclusive: events with position > fromPosition. 0n reads from the start. */
  fromPosition?: bigint;
  limit?: number;
}

export interface Subscription {
  /** Stops delivery; resolves once the handler is no longer running. */
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** Resume after this position (exclusive); 0n = from the start. */
  fromPosition: bigint;
  /** Called with batches in global order; the next batch waits until this resolves. */
  handler: (events: RecordedEvent[]) => Promise<void>;
  batchSize?: number;
  /** Called when the handler throws; delivery retries the same batch after a backoff. */
  onError?: (error: unknown) => void;
}

export interface EventStore {
  /**
   * Appends atomically. Throws `ConcurrencyError` when the stream is not at `expected`, unless
   * every event id is already stored in this stream (idempotent retry → `written: false`); a
   * batch only partly stored is a `ConcurrencyError` too. Rejects an empty batch.
   */
  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream in revision order; [] when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The same events as `readStream`, as much of each as a fold needs; cheaper where metadata costs. */
  readFoldable(streamId: string, options?: ReadStreamOptions): Promise<FoldableEvent[]>;
  /**
   * All events in global order. Never returns an event before an earlier-positioned one is
   * visible, so it may lag a just-committed append while older transactions are still open
   * (milliseconds, normally): read your own writes with `readStream`.
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The highest position a reader can safely see now (0n when empty). */
  headPosition(): Promise<bigint>;
  /** Catch-up from `fromPosition`, then live; each event delivered once per subscription, in order. */
  subscribe(options: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

export class ConcurrencyError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'ConcurrencyError';
  }
}

/**
 * The store cannot serve the call now (no leader during an election, a lost connection, a call past
 * its deadline): nothing is wrong with the call itself, so it may be retried. Adapters throw it for
 * their client's transient failures, with the client's error as `cause`; the API answers it 503.
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Event store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export const EVENT_STORE = Symbol('EVENT_STORE');
