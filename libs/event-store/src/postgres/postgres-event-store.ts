import { Client, DatabaseError, type Pool, type QueryResultRow } from 'pg';
import { migrate, withClient } from '@app/platform';
import { assertAppendable, meetsExpectation, retriedAppend, type StoredId } from '../append-rules';
import { assertContiguous } from '../read-rules';
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
} from '../port';
import { PullSubscription } from '../subscription';
import { Upcasters } from '../upcasters';
import { GroupCommit, MAX_EVENTS_PER_TRANSACTION, type AppendRequest, type PendingAppend } from './group-commit';
import { EVENT_STORE_MIGRATIONS } from './schema';

/** Anything that runs a query: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow>(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: R[] }>;
}

export interface PostgresEventStoreOptions {
  /** Needs room for the appenders plus one connection per reading subscription. The caller ends it. */
  pool: Pool;
  upcasters?: Upcasters;
  /** Longest a subscription sleeps without a notification (default 5 s): covers a lost NOTIFY. */
  idlePollMs?: number;
  /**
   * Append statements running at once (default 1); appends arriving meanwhile are committed
   * together (`GroupCommit`). Each running one holds a connection of the pool. On two shared
   * cores fewer, larger groups won: at 16 connections 1 > 2 > 3 > 4 > 6 in every round measured.
   */
  appendStatements?: number;
}

const CHANNEL = 'event_store';
/** Attempts when `any`/`stream_exists` lose a race for the next revision to a concurrent writer. */
const MAX_APPEND_ATTEMPTS = 10;

/** Below this position, every event that will ever exist is already visible (see schema.ts). */
const VISIBLE_BELOW = `(SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + xid_offset) << 16 FROM event_position_base)`;

/**
 * In `EventRow`'s order, read as arrays (`rowMode: 'array'`): no per-row object of named fields.
 * `recorded_at` comes as epoch milliseconds: pg's timestamptz parser (a regex per row) was the
 * costliest part of turning a row into an event after JSON.parse.
 */
const COLUMNS = `position, stream_id, revision, event_id, type, version, data, metadata, (extract(epoch FROM recorded_at) * 1000)::float8`;

/**
 * One stream's events from $2 to $3 (revisions), as of $4 when asked. The range as one BETWEEN
 * (not `$3 IS NULL OR …`) lets the planner see how few rows the index returns: it scans them in
 * order instead of a bitmap scan and a Sort. "As of" is the stream's prefix before its first event
 * after $4 (port.ts), found once (an InitPlan). It reads `metadata.occurredAt`, which the audit
 * chain hashes, as the other adapters do, not the `occurred_at` column: an edit of that column
 * alone would change an auditor's answer with the chain still verifying.
 *
 * Two statements, not one with `$4 IS NULL OR …`: PostgreSQL planned that one again at every call
 * (a custom plan without the subquery always looked cheaper than the generic plan with it), which
 * cost a command's read six times what running it did (docs/performance.md, session 19).
 */
const STREAM_RANGE = 'stream_id = $1 AND revision BETWEEN $2 AND COALESCE($3::int, 2147483647)';
const BEFORE_AS_OF = `revision < (SELECT COALESCE(min(later.revision), 2147483647) FROM events later
                                  WHERE later.stream_id = $1 AND (later.metadata->>'occurredAt')::timestamptz > $4)`;

/** The statement's name (`prefix`, `_as_of` with asOf), its WHERE clause and values ($1–$3 or $1–$4). */
function streamRange(prefix: string, streamId: string, options: ReadStreamOptions): { name: string; where: string; values: unknown[] } {
  const values: unknown[] = [streamId, options.fromRevision ?? 0, options.toRevision ?? null];
  if (options.asOf === undefined) return { name: prefix, where: STREAM_RANGE, values };
  return { name: `${prefix}_as_of`, where: `${STREAM_RANGE} AND ${BEFORE_AS_OF}`, values: [...values, options.asOf] };
}

/**
 * One statement, one round trip, one transaction for a group of appends (see `GroupCommit`):
 * find each stream's head, check each expectation, insert the batches of those that hold, each
 * at its own offset in the transaction's positions. A concurrent writer that took the same
 * revision makes it fail on the unique (stream_id, revision) index; a retried batch fails on the
 * unique event_id index, or inserts nothing because the stream has moved on. Only then does the
 * adapter look closer, one append at a time (slow path).
 *
 * Must run as its own transaction (autocommit): its xid is then taken after its snapshot, so an
 * append that saw another's events has a later xid, which keeps positions in each stream's
 * revision order. `req` is MATERIALIZED so each head is looked up once; the window sum runs after
 * the WHERE, over the appends that go in. Rows go in by stream id: two groups running at once
 * that write the same streams then wait for each other in one order only, never in a cycle
 * (in arrival order, a test saw PostgreSQL abort one as a deadlock about one run in five).
 */
const APPEND = `
  WITH req AS MATERIALIZED (
    SELECT r.ord, r.doc->>'streamId' AS stream_id, r.doc->>'expected' AS expected, r.doc->'events' AS events,
           (SELECT revision FROM events WHERE stream_id = r.doc->>'streamId' ORDER BY revision DESC LIMIT 1) AS head
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(doc, ord)
  ), accepted AS (
    SELECT stream_id, events, COALESCE(head, -1) AS head,
           sum(jsonb_array_length(events)) OVER (ORDER BY ord) - jsonb_array_length(events) AS offset_in_xact
    FROM req
    WHERE CASE expected
      WHEN 'any' THEN true
      WHEN 'no_stream' THEN head IS NULL
      WHEN 'stream_exists' THEN head IS NOT NULL
      ELSE head = expected::int
    END
  ), base AS (
    SELECT (pg_current_xact_id()::text::bigint + xid_offset) << 16 AS position FROM event_position_base
  )
  INSERT INTO events (position, stream_id, revision, event_id, type, version, data, metadata, occurred_at)
  SELECT base.position + a.offset_in_xact + e.index, a.stream_id, a.head + e.index, (e.doc->>'id')::uuid, e.doc->>'type',
         (e.doc->>'version')::int, e.doc->'data', e.doc->'metadata', (e.doc->'metadata'->>'occurredAt')::timestamptz
  FROM base, accepted a, jsonb_array_elements(a.events) WITH ORDINALITY AS e(doc, index)
  ORDER BY a.stream_id, e.index
  RETURNING stream_id, position, revision`;

/** A row of `COLUMNS`: position (int8, as text), stream id, revision, event id, type, version, data, metadata, recorded at (ms). */
type EventRow = [string, string, number, string, string, number, Record<string, unknown>, RecordedEvent['metadata'], number];
/** `readFoldable`'s row: revision, type, version, data, the command id, the metadata where an upcaster applies. */
type FoldableRow = [number, string, number, Record<string, unknown>, string | null, RecordedEvent['metadata'] | null];

/**
 * Runs the append statement on `db` for `appends` (one per stream). Returns, per stream that was
 * written, its last (position, revision); a stream whose expectation did not hold is missing.
 * Throws the unique violation when a concurrent writer or a retry got there first. Exported for
 * tests that need an append inside a transaction they hold open.
 */
export async function insertEvents(db: Queryable, appends: readonly AppendRequest[]): Promise<Map<string, { position: bigint; revision: number }>> {
  const { rows } = await db.query<{ stream_id: string; position: bigint | string; revision: number }>({
    name: 'event_store_append',
    text: APPEND,
    values: [
      JSON.stringify(
        appends.map(({ streamId, events, expected }) => ({
          streamId,
          expected: String(expected),
          events: events.map(({ id, type, version, data, metadata }) => ({ id, type, version, data, metadata })),
        })),
      ),
    ],
  });
  const written = new Map<string, { position: bigint; revision: number }>();
  for (const row of rows) {
    const last = written.get(row.stream_id);
    if (!last || row.revision > last.revision) written.set(row.stream_id, { position: BigInt(row.position), revision: row.revision });
  }
  return written;
}

/**
 * The PostgreSQL adapter. Create it with `PostgresEventStore.create`, which migrates the schema,
 * or open an existing store for reading with `PostgresEventStore.open`, which changes nothing.
 * Subscriptions pull pages in position order and sleep until a NOTIFY (sent after the append has
 * committed, coalesced, never inside the append: see `announce`) or the idle poll.
 */
export class PostgresEventStore implements EventStore {
  private readonly subscriptions = new Set<PullSubscription>();
  private readonly upcasters: Upcasters;
  private readonly idlePollMs: number;
  private readonly groupCommit: GroupCommit;
  private listener: Client | undefined;
  private listening: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private notifying = false;
  private toAnnounce: bigint | undefined;

  private constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions,
    private readonly readOnly = false,
  ) {
    this.upcasters = options.upcasters ?? new Upcasters();
    this.idlePollMs = options.idlePollMs ?? 5_000;
    this.groupCommit = new GroupCommit((group) => this.commitGroup(group), options.appendStatements ?? 1);
  }

  static async create(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await migrate(options.pool, 'event-store', EVENT_STORE_MIGRATIONS);
    await catchUpXidOffset(options.pool);
    return new PostgresEventStore(options.pool, options);
  }

  /**
   * Opens a store that exists already, for reading only (a migration's source, a tool): creates
   * and changes nothing, and refuses to append. Refuses a database without this code's event store
   * schema (a wrong DATABASE_URL must not read as an empty store), and one whose positions are
   * ahead of its transaction counter (restored from a dump and not yet opened by the service,
   * whose `create` raises the offset): readers there would see no events at all.
   */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await assertReadableStore(options.pool);
    return new PostgresEventStore(options.pool, options, true);
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.readOnly) throw new Error('This event store was opened read-only (PostgresEventStore.open)');
    assertAppendable(streamId, events);
    if (events.length > MAX_EVENTS_PER_TRANSACTION) throw new Error(`Append to ${streamId}: more than ${MAX_EVENTS_PER_TRANSACTION} events`);
    const result = await this.groupCommit.submit({ streamId, events, expected });
    if (result.written) this.announce(result.position);
    return result;
  }

  /** Commits a group in one statement; an append it could not write is settled alone (`appendAlone`). */
  private async commitGroup(group: PendingAppend[]): Promise<void> {
    await withClient(this.pool, async (client) => {
      let written: Map<string, { position: bigint; revision: number }>;
      try {
        written = await insertEvents(client, group);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        written = new Map(); // which append collided is for each one's slow path to find out
      }
      for (const append of group) {
        const last = written.get(append.streamId);
        if (last) append.resolve({ nextRevision: last.revision, position: last.position, written: true });
        else await appendAlone(client, append).then(append.resolve, append.reject);
      }
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { name, where, values } = streamRange('event_store_read_stream', streamId, options);
    const { rows } = await this.pool.query<EventRow>({ name, rowMode: 'array', text: `SELECT ${COLUMNS} FROM events WHERE ${where} ORDER BY revision`, values });
    return assertContiguous(streamId, options.fromRevision ?? 0, rows.map((row) => this.toRecorded(row)));
  }

  /**
   * Rendering the metadata JSONB was over half of a stream read's time (a 360-event contract:
   * 4.8 → 2.8 ms without it), so only the command id is read, and the whole metadata only where
   * an upcaster applies (it may read it).
   */
  async readFoldable(streamId: string, options: ReadStreamOptions = {}): Promise<FoldableEvent[]> {
    const { name, where, values } = streamRange('event_store_read_foldable', streamId, options);
    const { rows } = await this.pool.query<FoldableRow>({
      name,
      rowMode: 'array',
      text: `SELECT revision, type, version, data, metadata->>'commandId',
                    CASE WHEN type || '@' || version = ANY($${values.length + 1}::text[]) THEN metadata END
             FROM events WHERE ${where} ORDER BY revision`,
      values: [...values, this.upcasters.keys()],
    });
    const events = rows.map(([revision, type, version, data, commandId, metadata]) => {
      const current = metadata === null ? { type, version, data } : this.upcasters.upcast({ type, version, data, metadata });
      return { revision, type: current.type, version: current.version, data: current.data, ...(commandId === null ? {} : { commandId }) };
    });
    return assertContiguous(streamId, options.fromRevision ?? 0, events);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: 'event_store_read_all',
      rowMode: 'array',
      text: `SELECT ${COLUMNS} FROM events
             WHERE position > $1 AND position < ${VISIBLE_BELOW}
             ORDER BY position LIMIT $2`,
      values: [options.fromPosition ?? 0n, options.limit ?? null],
    });
    return rows.map((row) => this.toRecorded(row));
  }

  /**
   * The highest position appended and committed, whether or not every reader may see it yet (an
   * older transaction still open holds `headPosition` back for a few milliseconds): to wait for
   * what was appended, e.g. a test clock letting the read side catch up before time moves.
   */
  async appendedHeadPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ head: bigint | string }>('SELECT COALESCE(max(position), 0) AS head FROM events');
    return BigInt(rows[0]!.head);
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ head: bigint | string }>({
      name: 'event_store_head',
      text: `SELECT COALESCE(max(position), 0) AS head FROM events WHERE position < ${VISIBLE_BELOW}`,
    });
    return BigInt(rows[0]!.head);
  }

  subscribe(options: SubscribeOptions): Subscription {
    if (this.closed) throw new Error('Event store is closed');
    void this.listen();
    const subscription = new PullSubscription(
      (fromPosition, limit) => this.readAll({ fromPosition, limit }),
      options,
      { idlePollMs: this.idlePollMs },
      (stopped) => this.subscriptions.delete(stopped),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.listening;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /**
   * Wakes local subscriptions at once and other processes through NOTIFY. The NOTIFY is sent
   * after the append committed, in its own transaction, one at a time (appends meanwhile only
   * raise the position to announce): PostgreSQL serialises the commits of all transactions that
   * NOTIFY behind one lock held through the WAL flush, so notifying inside every append would
   * serialise all appends. A NOTIFY lost to a crash here only delays readers to their idle poll.
   */
  private announce(position: bigint): void {
    for (const subscription of this.subscriptions) subscription.wake(position);
    if (this.toAnnounce === undefined || position > this.toAnnounce) this.toAnnounce = position;
    if (!this.notifying) void this.flushAnnouncements();
  }

  private async flushAnnouncements(): Promise<void> {
    this.notifying = true;
    try {
      while (this.toAnnounce !== undefined) {
        const position = this.toAnnounce;
        this.toAnnounce = undefined;
        // A wake-up signal needs no durable commit. Simple protocol: the two statements share one
        // implicit transaction; the payload is a bigint's digits, safe to inline.
        await this.pool
          .query(`SET LOCAL synchronous_commit = off; SELECT pg_notify('${CHANNEL}', '${position.toString()}')`)
          .catch(() => undefined);
      }
    } finally {
      this.notifying = false;
    }
  }

  /** One LISTEN connection per store, opened with the first subscription, reopened if it drops. */
  private listen(): Promise<void> {
    if (this.listening || this.closed) return this.listening ?? Promise.resolve();
    const client = new Client(this.pool.options);
    this.listener = client;
    client.on('notification', (message) => {
      const position = message.payload ? BigInt(message.payload) : undefined;
      for (const subscription of this.subscriptions) subscription.wake(position);
    });
    client.on('error', () => this.reconnectListener(client));
    client.on('end', () => this.reconnectListener(client));
    this.listening = client
      .connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(() => {
        // Anything committed before LISTEN took effect would otherwise wait for the idle poll.
        for (const subscription of this.subscriptions) subscription.wake();
      })
      .catch(() => this.reconnectListener(client));
    return this.listening;
  }

  private reconnectListener(client: Client): void {
    if (this.listener !== client || this.closed) return;
    this.listener = undefined;
    this.listening = undefined;
    client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => void this.listen(), 1_000);
  }

  private toRecorded([position, streamId, revision, id, type, version, data, metadata, recordedAtMs]: EventRow): RecordedEvent {
    return this.upcasters.upcast({ id, streamId, revision, position: BigInt(position), type, version, data, metadata, recordedAt: new Date(recordedAtMs) });
  }
}

/**
 * The slow path, for an append its group did not write: a retry of an append already stored
 * (nothing is written), a conflict, or a race for the next revision lost to another writer while
 * the stream is still as expected (inserted again, alone).
 */
async function appendAlone(client: Queryable, append: AppendRequest): Promise<AppendResult> {
  const { streamId, events, expected } = append;
  for (let attempt = 1; ; attempt++) {
    const { stored, actual } = await lookUp(client, streamId, events);
    const retry = retriedAppend(streamId, events, expected, stored, actual);
    if (retry) return retry;
    if (!meetsExpectation(expected, actual) || attempt === MAX_APPEND_ATTEMPTS) throw new ConcurrencyError(streamId, expected, actual);
    try {
      const last = (await insertEvents(client, [append])).get(streamId);
      if (last) return { nextRevision: last.revision, position: last.position, written: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof DatabaseError && error.code === '23505';
}

/** Where the batch's ids are already stored, and the stream's head: what the slow path decides on. */
async function lookUp(
  db: Queryable,
  streamId: string,
  events: readonly NewEvent[],
): Promise<{ stored: StoredId[]; actual: number | 'no_stream' }> {
  const { rows } = await db.query<{ id: string | null; stream_id: string; revision: number; position: bigint | string; head: number | null }>({
    name: 'event_store_look_up',
    text: `SELECT e.event_id AS id, e.stream_id, e.revision, e.position,
                  (SELECT max(revision) FROM events WHERE stream_id = $1) AS head
           FROM (SELECT 1) AS one
           LEFT JOIN events e ON e.event_id = ANY($2::uuid[])`,
    values: [streamId, events.map((event) => event.id)],
  });
  const head = rows[0]!.head;
  return {
    stored: rows.flatMap((row) =>
      row.id === null ? [] : [{ id: row.id, streamId: row.stream_id, revision: row.revision, position: BigInt(row.position) }],
    ),
    actual: head === null ? 'no_stream' : head,
  };
}

async function assertReadableStore(pool: Pool): Promise<void> {
  const { rows: tables } = await pool.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  const { rows } = tables[0]!.present
    ? await pool.query<{ id: string }>(`SELECT id FROM schema_migrations WHERE component = 'event-store'`)
    : { rows: [] };
  const applied = new Set(rows.map((row) => row.id));
  if (applied.size === 0) throw new Error('no event store in this database (no events table): is it the service\'s database?');
  const known = EVENT_STORE_MIGRATIONS.map((migration) => migration.id);
  const unknown = [...applied].filter((id) => !known.includes(id));
  if (unknown.length > 0) throw new Error(`event-store: database has migrations this code does not know: ${unknown.join(', ')}`);
  const missing = known.filter((id) => !applied.has(id));
  if (missing.length > 0) throw new Error(`event-store: database lacks migrations ${missing.join(', ')}: start the service on it once to migrate it`);
  const { rows: ahead } = await pool.query<{ ahead: boolean }>(
    `SELECT COALESCE((SELECT max(position) >> 16 FROM events) >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint + xid_offset, false) AS ahead
     FROM event_position_base`,
  );
  if (ahead[0]!.ahead) {
    throw new Error(
      "event-store: stored positions are ahead of this cluster's transaction counter (restored from a dump?), so no reader would see them: start the service on it once (it raises the offset)",
    );
  }
}

/**
 * Positions come from the xid counter. A logical restore (pg_dump into a new cluster) brings
 * positions from the old, further-advanced counter; raising the offset past them keeps new
 * positions after old ones. A no-op on a cluster that wrote its own events. Run before appends
 * start: changing the offset under running appends would break the visibility rule.
 */
async function catchUpXidOffset(pool: Pool): Promise<void> {
  await pool.query(`
    UPDATE event_position_base SET xid_offset = needed.offset
    FROM (SELECT (SELECT max(position) >> 16 FROM events) + 1 - pg_current_xact_id()::text::bigint AS offset) AS needed
    WHERE needed.offset > xid_offset`);
}
