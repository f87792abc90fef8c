import { Client, type Pool } from 'pg';
import type { EventStore } from '@app/event-store';
import { SystemClock, type Clock } from '@app/platform';
import { errorMessage, Sleeper, type Log } from './log';
import { liveSchema, type Projection } from './projection';
import { rebuild, refuseStoreBehind } from './rebuild';
import { nextLimit, SharedReader } from './shared-reader';
import { CheckpointMoved, commitBatch, createProjectionSchema, readCheckpoint, withTransaction } from './store';

/**
 * `elsewhere`: this process only reports the projection's progress; another process applies it.
 * `superseded`: the live tables are of a newer version than this code's; it leaves them alone.
 */
export type RunnerRole = 'starting' | 'owner' | 'standby' | 'stopped' | 'elsewhere' | 'superseded';

export interface ProjectionStatus {
  name: string;
  version: number;
  /** owner: this process applies events; standby: another process holds the projection. */
  role: RunnerRole;
  /** Checkpoint and event-store head, as decimal strings (positions are 64-bit). */
  position: string;
  head: string;
  caughtUp: boolean;
  /** How long the oldest event not yet applied has waited; 0 when caught up. */
  lagSeconds: number;
  /** Consecutive failed attempts; the runner retries with backoff. */
  failures: number;
  /** The current failure's (or standing aside's) reason; null once the runner is applying again. */
  lastError: { message: string; at: string } | null;
}

/**
 * Whether this status should make the process unready: the projection it owns keeps failing, or
 * it stood aside for newer code that may not be running (after a rollback nothing applies events).
 */
export function holdsBackReadiness(status: ProjectionStatus): boolean {
  return (status.role === 'owner' && status.failures > 0) || status.role === 'superseded';
}

/**
 * What an unauthenticated readiness probe may show of each projection: progress and failure
 * counts, not the last error's text (driver messages name hosts, ports and SQL; the log has it).
 */
export function readinessDetails(statuses: readonly ProjectionStatus[]): Record<string, Omit<ProjectionStatus, 'lastError'>> {
  return Object.fromEntries(statuses.map(({ lastError: _hidden, ...shown }) => [shown.name, shown]));
}

export interface RunnerOptions {
  pool: Pool;
  eventStore: EventStore;
  projection: Projection;
  log: Log;
  /** Pages shared with the other runners of this process (default: one of its own). */
  reader?: SharedReader;
  /** Events per batch at the head (default 500); catch-up grows it (`nextLimit`). */
  batchSize?: number;
  /**
   * After committing a batch smaller than `batchSize`, wait this long before reading again
   * (default 50 ms), so events arriving under load are applied in one transaction instead of
   * one each. Bounds the delay this adds to an event; a full batch goes on at once (catch-up).
   */
  coalesceMs?: number;
  /** How often a standby tries to take the projection over (default 1 s). */
  standbyPollMs?: number;
  /** Longest backoff after a failure (default 30 s). */
  maxBackoffMs?: number;
  /** After each committed batch (e.g. to wake the deadline runner). */
  onCommitted?: (position: bigint) => void;
  /** Operational time for lag and error stamps (not the business clock). */
  clock?: Clock;
}

/** The live tables are of a newer version than this code's (a rolling deploy, or a rollback). */
class NewerVersionLive extends Error {}

/** Key space of the ownership leases: one session-level advisory lock per projection. */
const LEASE_LOCK_CLASS = 0x5052_4f4a; // "PROJ"

/**
 * Runs one projection: takes its lease (a session advisory lock on a dedicated connection, so it
 * is released the moment this process or its connection dies), creates or rebuilds its tables
 * if needed, then reads on from the stored checkpoint (through the process's `SharedReader`) and
 * applies batches, each committed with the checkpoint. A standby polls for the lease. Failures
 * are retried with backoff from the stored checkpoint and reported in `status()`; they never
 * reach other projections, which have their own runners and positions.
 */
export class ProjectionRunner {
  private readonly schema: string;
  private readonly clock: Clock;
  private readonly sleeper = new Sleeper();
  private readonly reader: SharedReader;
  private lease: Client | undefined;
  private leased = false;
  private role: RunnerRole = 'starting';
  private stopped = false;
  private loop: Promise<void> | undefined;
  private interrupt: (() => void) | undefined;
  private failures = 0;
  private lastError: ProjectionStatus['lastError'] = null;

  constructor(private readonly options: RunnerOptions) {
    this.schema = liveSchema(options.projection.name);
    this.clock = options.clock ?? new SystemClock();
    this.reader = options.reader ?? new SharedReader(options.eventStore);
  }

  /** A runner that is never started: its `status()` reads the checkpoint and head (status CLI, PROJECTOR=off). */
  static observer(options: RunnerOptions): ProjectionRunner {
    const runner = new ProjectionRunner(options);
    runner.role = 'elsewhere';
    return runner;
  }

  get name(): string {
    return this.options.projection.name;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    this.sleeper.close();
    await this.loop;
    if (!this.options.reader) await this.reader.stop();
    this.role = 'stopped';
  }

  async status(): Promise<ProjectionStatus> {
    const { pool, projection } = this.options;
    const [checkpoint, head] = await Promise.all([readCheckpoint(pool, this.schema), this.reader.head()]);
    const position = checkpoint?.position ?? 0n;
    let lagSeconds = 0;
    if (position < head) {
      const oldest = await this.reader.first(position);
      if (oldest) lagSeconds = Math.max(0, (this.clock.now().getTime() - oldest.recordedAt.getTime()) / 1000);
    }
    return {
      name: projection.name,
      version: projection.version,
      role: this.role,
      position: position.toString(),
      head: head.toString(),
      caughtUp: position >= head,
      lagSeconds,
      failures: this.failures,
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!(await this.acquireLease())) {
          this.role = 'standby';
          await this.sleeper.sleep(this.options.standbyPollMs ?? 1_000);
          continue;
        }
        // Still superseded until the tables prove otherwise: no flicker to "owner" (and ready) per poll.
        if (this.role !== 'superseded') this.role = 'owner';
        await this.ownUntilInterrupted();
      } catch (error) {
        if (error instanceof NewerVersionLive) {
          await this.standAside(error);
          continue;
        }
        this.failed(error);
        await this.sleeper.sleep(this.backoffMs());
      }
    }
    await this.releaseLease();
  }

  /** Applies batches from the stored checkpoint; returns when stopped or the lease is lost, throws on a failure. */
  private async ownUntilInterrupted(): Promise<void> {
    const { pool, projection } = this.options;
    let position = await this.ensureTables();
    this.role = 'owner';
    let interrupted = false;
    let stopWaiting: (() => void) | undefined;
    this.interrupt = () => {
      interrupted = true;
      stopWaiting?.();
    };
    const batchSize = this.options.batchSize ?? 500;
    let limit = batchSize;
    try {
      while (!this.stopped && this.leased && !interrupted) {
        const page = await this.reader.read(position, limit, this);
        if (page.events.length === 0) {
          // At the head with the store answering: whatever failed before is over. After an outage
          // there may be nothing new to commit, and readiness waits on this.
          this.failures = 0;
          this.lastError = null;
          await new Promise<void>((resolve) => {
            stopWaiting = resolve;
            void this.reader.waitBeyond(position).then(resolve);
          });
          continue;
        }
        position = await commitBatch(pool, projection, this.schema, page.events, position);
        this.failures = 0;
        this.lastError = null;
        this.options.onCommitted?.(position);
        limit = nextLimit(page, limit, batchSize);
        if (!page.full) await this.sleeper.sleep(this.options.coalesceMs ?? 50);
      }
    } finally {
      this.interrupt = undefined;
      this.reader.leave(this);
    }
  }

  /**
   * Creates the live tables on first start, rebuilds them when this code's version is newer.
   * Never down to an older one: in a rolling deploy, old and new processes taking the lease in
   * turn would rebuild back and forth. Rolling back is an explicit `projections rebuild`.
   */
  private async ensureTables(): Promise<bigint> {
    const { pool, projection } = this.options;
    let checkpoint = await readCheckpoint(pool, this.schema);
    if (checkpoint === undefined) {
      await withTransaction(pool, (tx) => createProjectionSchema(tx, projection, this.schema));
    } else if (checkpoint.version > projection.version) {
      throw new NewerVersionLive(
        `the live tables are version ${checkpoint.version}, this code's is ${projection.version}: left to newer code (to roll back, npm run projections -- rebuild ${projection.name})`,
      );
    } else if (checkpoint.version !== projection.version) {
      this.options.log({ level: 'warn', msg: 'projection version changed: rebuilding', projection: projection.name, from: checkpoint.version, to: projection.version });
      await rebuild({ pool, eventStore: this.options.eventStore, projection, batchSize: this.options.batchSize });
    }
    checkpoint = await readCheckpoint(pool, this.schema);
    // Read on from a checkpoint past the store's end and every event appended up to it is skipped.
    await refuseStoreBehind(this.options.eventStore, projection.name, checkpoint!.position);
    return checkpoint!.position;
  }

  private async acquireLease(): Promise<boolean> {
    if (this.leased) return true;
    if (!this.lease) {
      // The server releases the lease only once it finds this session gone: with its default
      // keepalive (2 h idle) a standby waited that long after the owner's host was lost. Set at
      // connection, so no session holds a lease without them. (Through a pooler or proxy the
      // server probes that, not the owner.)
      const probed = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';
      const { options } = this.options.pool.options;
      const client = new Client({ ...this.options.pool.options, keepAlive: true, options: options ? `${options} ${probed}` : probed });
      client.on('error', () => this.leaseLost(client));
      client.on('end', () => this.leaseLost(client));
      this.lease = client;
      await client.connect();
    }
    const { rows } = await this.lease.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
      LEASE_LOCK_CLASS,
      this.options.projection.name,
    ]);
    this.leased = rows[0]!.locked;
    if (this.leased && this.role !== 'superseded') this.options.log({ level: 'info', msg: 'projection lease taken', projection: this.name });
    return this.leased;
  }

  private leaseLost(client: Client): void {
    if (this.lease !== client) return;
    if (this.leased && !this.stopped) this.options.log({ level: 'warn', msg: 'projection lease lost', projection: this.name });
    this.lease = undefined;
    this.leased = false;
    client.end().catch(() => undefined);
    this.interrupt?.();
  }

  private async releaseLease(): Promise<void> {
    const client = this.lease;
    this.lease = undefined;
    this.leased = false;
    await client?.end().catch(() => undefined);
  }

  /**
   * Lets the lease go (its connection stays, for the next poll), so a process running the newer
   * version can take it, and reports why.
   */
  private async standAside(error: NewerVersionLive): Promise<void> {
    await this.lease?.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LEASE_LOCK_CLASS, this.options.projection.name]);
    this.leased = false;
    if (this.lastError?.message !== error.message) this.options.log({ level: 'warn', msg: 'projection superseded', projection: this.name, error: error.message });
    this.role = 'superseded';
    this.lastError = { message: error.message, at: this.clock.now().toISOString() };
    await this.sleeper.sleep(this.options.standbyPollMs ?? 1_000);
  }

  private failed(error: unknown): void {
    this.failures += 1;
    this.lastError = { message: errorMessage(error), at: this.clock.now().toISOString() };
    const level = error instanceof CheckpointMoved ? 'warn' : 'error';
    this.options.log({ level, msg: 'projection batch failed', projection: this.name, failures: this.failures, error: this.lastError.message });
  }

  private backoffMs(): number {
    return Math.min(100 * 2 ** Math.min(this.failures, 16), this.options.maxBackoffMs ?? 30_000);
  }
}
