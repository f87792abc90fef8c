import {
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  KurrentDBClient,
  NotLeaderError,
  START,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  convertToCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type Filter,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { ConfigError } from '@app/platform';
import { assertContiguous } from '../read-rules';
import { assertAppendable, meetsExpectation, retriedAppend, type StoredId } from '../append-rules';
import {
  ConcurrencyError,
  StoreUnavailableError,
  type AppendResult,
  type EventMetadata,
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
import { Upcasters } from '../upcasters';
import { CatchUpSubscription } from './catch-up-subscription';

/** The part of the KurrentDB client this adapter uses: the real client has it, unit tests fake it. */
export type KurrentDbClient = Pick<KurrentDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

export interface KurrentDbEventStoreOptions {
  client: KurrentDbClient;
  /**
   * Another client like `client`, for when reads find no server. The client's reads go through a
   * native bridge whose connection, once it has failed (the server not up yet when the process
   * started, a cluster node gone), is never made again: every later read fails at once, though
   * the server is back and appends (over another connection) work. `connect` passes one.
   */
  newClient?: () => KurrentDbClient;
  /**
   * Stream-name prefixes of this service's streams (e.g. `contract-`, `insured-`): `$all` is read
   * through a server-side filter on them, so system streams and other services' streams never
   * reach a projection.
   */
  streamPrefixes: string[];
  upcasters?: Upcasters;
  /**
   * Prepended to every stream name on the server and removed on the way back, so several
   * environments (or every contract-suite test) can share one cluster without seeing each other.
   */
  namespace?: string;
  /** First wait before resubscribing after a drop or retrying a failed handler; doubles up to 5 s. */
  retryMs?: number;
}

/** Our keys in KurrentDB's event metadata besides the port's own metadata. */
interface StoredMetadata extends EventMetadata {
  /** KurrentDB's conventional keys, so its own tooling ($by_correlation_id, the UI) links events. */
  $correlationId: string;
  $causationId?: string;
  /** Schema version of `data` (the port's `version`; `schemaVersion` in the metadata is the caller's). */
  eventVersion: number;
}

/**
 * The KurrentDB (EventStoreDB) adapter over the gRPC client.
 *
 * Positions: the port's bigint position is the event's `$all` commit position. Events appended
 * through gRPC are written without explicit transactions, so each one's commit position equals its
 * prepare position and is unique and increasing in `$all` order; `{ commit: p, prepare: p }` names
 * it exactly. `fromPosition` is exclusive in the port, inclusive in a KurrentDB read: reads start at
 * `p` and drop the event at `p`; subscriptions start after `p` as the server does. 0n means START.
 * Checkpoints therefore belong to one store: after moving stores, projections rebuild (or map their
 * checkpoints with the positions the migration records).
 *
 * Idempotency: KurrentDB only recognises a repeated append by its event ids when the expected
 * revision points before those events, or (for `any`) while the ids are in a recent-write cache;
 * with the expectation equal to the stream's head it would write them again. So every append reads
 * the stream first (one extra round trip, on a stream of one contract) and answers a retry from
 * what is stored; a writer racing in between is caught by the server's expected-revision check.
 * Event ids are unique per stream here, not across streams as in the PostgreSQL adapter.
 */
export class KurrentDbEventStore implements EventStore {
  private client: KurrentDbClient;
  private readonly newClient: (() => KurrentDbClient) | undefined;
  /** Clients replaced after a failed read, disposed once the calls still running on them are over. */
  private readonly retired = new Set<KurrentDbClient>();
  private replacedAt = -Infinity;
  /** How long after a replacement the next may come: doubles while reads keep failing. */
  private replaceAfterMs = FIRST_REPLACEMENT_AFTER_MS;
  private closed = false;
  private readonly upcasters: Upcasters;
  private readonly namespace: string;
  private readonly filter: Filter;
  private readonly retryMs: number;
  private readonly subscriptions = new Set<CatchUpSubscription>();

  constructor(options: KurrentDbEventStoreOptions) {
    if (options.streamPrefixes.length === 0) throw new Error('KurrentDbEventStore needs at least one stream prefix');
    this.client = options.client;
    this.newClient = options.newClient;
    this.upcasters = options.upcasters ?? new Upcasters();
    this.namespace = options.namespace ?? '';
    this.filter = streamNameFilter({ prefixes: options.streamPrefixes.map((prefix) => this.namespace + prefix) });
    this.retryMs = options.retryMs ?? 100;
  }

  /** Connects with a connection string (`kurrentdb://host:2113?tls=false`, or several hosts for a cluster). */
  static connect(url: string, options: Omit<KurrentDbEventStoreOptions, 'client'>): KurrentDbEventStore {
    const newClient = () => clientQuietly(url);
    let client: KurrentDBClient;
    try {
      client = newClient();
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      // Only parsing can fail here (the client connects on first use): the operator's URL to fix.
      // The client's message quotes the URL, or the part it stumbled on, password and all: not shown.
      throw new ConfigError(
        'KURRENTDB_URL is not a KurrentDB connection string (kurrentdb://host:2113?tls=false, several hosts separated by commas); its value is not shown, as it may hold a password',
      );
    }
    return new KurrentDbEventStore({ ...options, client, newClient });
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    assertAppendable(streamId, events);
    const before = await this.stored(streamId, events);
    const retry = retriedAppend(streamId, events, expected, before.stored, before.actual);
    if (retry) return retry;
    if (!meetsExpectation(expected, before.actual)) throw new ConcurrencyError(streamId, expected, before.actual);

    // The client serialises inside a promise executor: a value JSON cannot write (a BigInt) would
    // reject there unhandled and leave the append pending for ever. Refused here instead, as the
    // PostgreSQL adapter refuses it.
    for (const event of events) JSON.stringify(event.data);
    let result;
    try {
      result = await this.client.appendToStream(this.serverName(streamId), events.map(toEventData), { streamState: streamState(expected) });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw transient(error);
      return this.lostRace(streamId, events, expected);
    }
    // `throwOnAppendFailure=false` in the connection string: the client reports a wrong expected
    // version as `success: false` instead of throwing. Its `nextExpectedRevision` is not the
    // stream's (the batch-append path reports 1n or 0n for whether it has one), so read again.
    if (!result.success) return this.lostRace(streamId, events, expected);
    if (result.position === undefined) {
      // Success without a position: the server took the batch for a repeat of one it already stored.
      const after = await this.stored(streamId, events);
      const raced = retriedAppend(streamId, events, expected, after.stored, after.actual);
      if (raced) return raced;
      throw new Error(`KurrentDB acknowledged an append to ${streamId} without a position, and its events are not in the stream`);
    }
    return { nextRevision: Number(result.nextExpectedRevision), position: result.position.commit, written: true };
  }

  /**
   * From the leader, as the port promises (a stream read sees the appends answered before it): a
   * follower may be behind, and after a graceful leader change the client can still be on the old
   * leader; the NotLeaderError it then gets replaces the client (`readFailed`).
   */
  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { toRevision, asOf } = options;
    const fromRevision = options.fromRevision ?? 0;
    if (toRevision !== undefined && toRevision < fromRevision) return [];
    // As of an instant, the stream is read from its start: the first event after it ends the read,
    // even one before fromRevision (occurredAt lives in the metadata, which the server cannot filter on).
    const start = asOf === undefined ? fromRevision : 0;
    const read = this.client.readStream(this.serverName(streamId), {
      fromRevision: BigInt(start),
      ...(toRevision === undefined ? {} : { maxCount: BigInt(toRevision - start + 1) }),
      requiresLeader: true,
    });
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of read) {
        const event = this.toRecorded(resolved);
        if (!event) continue;
        if (asOf !== undefined && Date.parse(event.metadata.occurredAt) > asOf.getTime()) break;
        if (event.revision >= fromRevision) events.push(event);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw this.readFailed(error);
    }
    this.readSucceeded(); // a stream not found is an answer too
    return assertContiguous(streamId, fromRevision, events);
  }

  async readFoldable(streamId: string, options?: ReadStreamOptions): Promise<FoldableEvent[]> {
    return (await this.readStream(streamId, options)).map(toFoldable);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.fromPosition ?? 0n;
    const limit = options.limit;
    // A read starts at (and includes) its position: ask for one more to make up for dropping it.
    const extra = after === 0n ? 0 : 1;
    const read = this.client.readAll({
      fromPosition: toReadPosition(after),
      filter: this.filter,
      ...(limit === undefined ? {} : { maxCount: limit + extra }),
    });
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of read) {
        const event = this.toRecorded(resolved);
        if (event && event.position > after) events.push(event);
      }
    } catch (error) {
      throw this.readFailed(error);
    }
    this.readSucceeded();
    return limit === undefined ? events : events.slice(0, limit);
  }

  async headPosition(): Promise<bigint> {
    const read = this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1, filter: this.filter });
    let head = 0n;
    try {
      for await (const resolved of read) {
        const event = this.toRecorded(resolved);
        if (event) {
          head = event.position;
          break;
        }
      }
    } catch (error) {
      throw this.readFailed(error);
    }
    this.readSucceeded();
    return head;
  }

  subscribe(options: SubscribeOptions): Subscription {
    if (this.closed) throw new Error('Event store is closed');
    const subscription = new CatchUpSubscription(
      (after, readable) => this.client.subscribeToAll({ fromPosition: toReadPosition(after), filter: this.filter }, readable),
      (resolved) => this.toRecorded(resolved),
      options,
      { retryMs: this.retryMs, maxRetryMs: 5_000 },
      (stopped) => this.subscriptions.delete(stopped),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await Promise.all([this.client, ...this.retired].map((client) => client.dispose()));
    this.retired.clear();
  }

  /**
   * A read that found no server (or a node no longer leading) replaces the client, since the old
   * one's reads would never connect again: a second after the last replacement, then waiting twice
   * as long each time while reads keep failing (up to 8 s), back to a second once a read succeeds
   * (every append reads its stream first).
   * Calls still running on the old client (an append, a subscription, which then resubscribes
   * through the new one) get `RETIRE_AFTER_MS` before its `dispose`, which cancels its streams
   * (the client has no way to close its connections; they go with it). A client that cannot be
   * built (its TLS file gone, say) leaves the old one in place: the read is still a 503.
   */
  private readFailed(error: unknown): unknown {
    const typed = asCommandError(error);
    const now = performance.now();
    const replaceable = typed instanceof UnavailableError || typed instanceof NotLeaderError || (typed instanceof UnknownError && NO_SERVER.test(typed.message));
    if (this.newClient && replaceable && !this.closed && now - this.replacedAt >= this.replaceAfterMs) {
      // Spaced out whether or not the build works: a client that cannot be built is tried again later, not on every read.
      this.replacedAt = now;
      this.replaceAfterMs = Math.min(this.replaceAfterMs * 2, LAST_REPLACEMENT_AFTER_MS);
      let fresh: KurrentDbClient | undefined;
      try {
        fresh = this.newClient();
      } catch {
        fresh = undefined;
      }
      if (fresh) {
        const old = this.client;
        this.client = fresh;
        this.retired.add(old);
        setTimeout(() => {
          if (this.retired.delete(old)) void old.dispose();
        }, RETIRE_AFTER_MS).unref();
      }
    }
    return transient(error);
  }

  /** The server answers again: a later failure may replace the client after a second, not after the backoff. */
  private readSucceeded(): void {
    this.replaceAfterMs = FIRST_REPLACEMENT_AFTER_MS;
  }

  private serverName(streamId: string): string {
    return this.namespace + streamId;
  }

  /**
   * Another writer got in after our read: the same append (a concurrent retry) answers as a retry,
   * anything else is a conflict with the stream as it is now.
   */
  private async lostRace(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const after = await this.stored(streamId, events);
    const raced = retriedAppend(streamId, events, expected, after.stored, after.actual);
    if (raced) return raced;
    throw new ConcurrencyError(streamId, expected, after.actual);
  }

  /**
   * Which of the batch's ids the stream already holds, and the stream's last revision. Read from
   * the leader, where the append goes: a follower may not have the latest events yet, and would
   * turn a retry into a spurious conflict (or a conflict into a wrong `actual`).
   */
  private async stored(streamId: string, events: readonly NewEvent[]): Promise<{ stored: StoredId[]; actual: number | 'no_stream' }> {
    const ids = new Set(events.map((event) => event.id));
    const stream = await this.readStream(streamId);
    return {
      stored: stream.filter((event) => ids.has(event.id)).map(({ id, revision, position }) => ({ id, streamId, revision, position })),
      actual: stream.length === 0 ? 'no_stream' : stream[stream.length - 1]!.revision,
    };
  }

  /**
   * The port's event from a KurrentDB one; undefined for what is not ours (a link, another
   * namespace). An event in one of our streams that this adapter did not write (not JSON, or
   * without our metadata: written with another tool) is an error naming it. Skipped, it would
   * leave the stream's revisions short of the server's, so that every append to it conflicted.
   */
  private toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
    const event = resolved.event;
    if (!event || !event.streamId.startsWith(this.namespace)) return undefined;
    const commit = event.position?.commit;
    if (commit === undefined || commit === NO_POSITION) {
      throw new Error(`KurrentDB returned event ${event.id} without its $all position (servers report it on stream reads since 22.6)`);
    }
    const stored = event.isJson ? (event.metadata as unknown as Partial<StoredMetadata> | undefined) : undefined;
    if (!isOurs(stored)) {
      throw new Error(
        `KurrentDB event ${event.id} (${event.type}, ${event.streamId}@${event.revision}) was not written by this service: ` +
          `${event.isJson ? 'its metadata lacks eventVersion or occurredAt' : 'it is not JSON'}`,
      );
    }
    const { $correlationId, $causationId, eventVersion, ...metadata } = stored;
    return this.upcasters.upcast({
      id: event.id,
      streamId: event.streamId.slice(this.namespace.length),
      revision: Number(event.revision),
      position: commit,
      type: event.type,
      version: eventVersion,
      data: event.data as Record<string, unknown>,
      metadata,
      recordedAt: event.created,
    });
  }
}

/**
 * The client's errors for "no node can serve this now": a leader election (`NotLeaderError`; for
 * appends the client reconnects to the new leader, for reads `readFailed` replaces it), a lost or refused connection
 * (`UnavailableError`), a call past its deadline or timed out on the server, a call the server
 * cancelled, and discovery that found no usable node (a plain Error). A retry is safe even for an
 * append that did commit: `append` reads the stream first and answers a repeat from what is stored.
 */
const TRANSIENT = [NotLeaderError, UnavailableError, DeadlineExceededError, TimeoutError, CancelledError];
const NO_NODE = /^Failed to discover after \d+ attempts/;
/**
 * A batch append the server did not handle (a node too busy, not ready yet, or a follower that
 * knows no leader during an election). The server answers it as a status the client does not
 * recognise, so it arrives as `UnknownError("Could not recognize <the server's message>")`
 * (`streams/appendToStream/unpackError.js`).
 */
const NOT_HANDLED = /^Could not recognize (Server Is Busy|Server Is Not Ready|No leader info available)/;
/**
 * Reads go through the client's native bridge, which names only a few errors; a gRPC status of a
 * node gone, a deadline, or a closed connection arrives as `UnknownError` with the bridge's own
 * message (`utils/convertBridgeError.js`; the messages are the bridge's Rust client's). These also
 * replace the client. A node failing the call (`Unknown`, `Internal`) is worth a retry, not a new client.
 */
const NO_SERVER = /^(Server-side error: status: Unavailable\b|Deadline exceeded|Connection is closed)/;
const SERVER_FAILED = /^Server-side error: status: (Unknown|Internal)\b/;

/**
 * The client's parser `console.warn`s an option it does not know with the whole URL beneath,
 * password and all, and then ignores it: a mistyped `tlsVerifyCert` would silently keep its
 * default. So its warnings are caught while it parses (synchronously), and an unknown option is
 * refused as configuration, by its name only; its other warnings pass through.
 */
function clientQuietly(url: string): KurrentDBClient {
  const warnings: unknown[][] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args);
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(url);
  } finally {
    console.warn = warn;
  }
  const unknownOption = warnings.map((args) => /^Unknown option key "([^"\n]*)"/.exec(String(args[0]))).find((match) => match !== null);
  if (unknownOption) {
    void client.dispose();
    throw new ConfigError(`KURRENTDB_URL has an option the KurrentDB client does not know: "${unknownOption[1]}" (the URL is not shown, as it may hold a password)`);
  }
  for (const args of warnings) warn(...args);
  return client;
}

function transient(error: unknown): unknown {
  const typed = asCommandError(error);
  const unavailable =
    TRANSIENT.some((type) => typed instanceof type) ||
    (typed instanceof UnknownError && [NOT_HANDLED, NO_SERVER, SERVER_FAILED].some((pattern) => pattern.test(typed.message))) ||
    (typed instanceof Error && NO_NODE.test(typed.message));
  return unavailable ? new StoreUnavailableError(error) : error;
}

/**
 * The client's typed error for a raw gRPC one. Most calls convert their errors, but not all: the
 * server-features check before an append (made on the first call and after every reconnect)
 * rejects with the bare gRPC status (`Client/ServerFeatures.js`, rethrown by `Client.execute`).
 */
function asCommandError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  try {
    return convertToCommandError(error);
  } catch {
    return error; // an Error with a numeric code but no gRPC details: not the client's
  }
}

/** What this adapter writes as every event's metadata (`toEventData`). */
function isOurs(metadata: Partial<StoredMetadata> | undefined): metadata is StoredMetadata {
  return typeof metadata === 'object' && metadata !== null && !(metadata instanceof Uint8Array) && typeof metadata.eventVersion === 'number' && typeof metadata.occurredAt === 'string';
}

const FIRST_REPLACEMENT_AFTER_MS = 1_000;
/** Short enough that reads are back within seconds of the server: a long wait here is a long outage after the real one. */
const LAST_REPLACEMENT_AFTER_MS = 8_000;
const RETIRE_AFTER_MS = 30_000;

/** What servers before 22.6 sent as the position of an event read from a stream: none. */
const NO_POSITION = 2n ** 64n - 1n;

function toEventData(event: NewEvent) {
  const metadata: StoredMetadata = {
    ...event.metadata,
    $correlationId: event.metadata.correlationId,
    ...(event.metadata.causationId === undefined ? {} : { $causationId: event.metadata.causationId }),
    eventVersion: event.version,
  };
  return jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: { ...metadata } });
}

function streamState(expected: ExpectedRevision): AppendStreamState {
  return typeof expected === 'number' ? BigInt(expected) : expected;
}

/** Our events' commit and prepare positions are equal (see the class comment). */
function toReadPosition(position: bigint): ReadPosition {
  return position === 0n ? START : { commit: position, prepare: position };
}
