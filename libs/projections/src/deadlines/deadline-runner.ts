import type { Pool } from 'pg';
import { deadlineCause, isDomainError, type DeadlineCommand, type PendingDeadline } from '@app/contracts-domain';
import { toDomainEvent, type CommandOutcome, type ContractStreams } from '@app/contracts-app';
import { SystemClock, isUndefinedTable, migrate, type Clock, type Migration } from '@app/platform';
import { DueWorkLoop } from '../due-work-loop';
import { errorMessage, type Log } from '../log';
import { liveSchema } from '../projection';
import { deadlineId } from './deadlines.projection';

/**
 * What the runner did with each deadline. Kept apart from the schedule (a projection, rebuilt
 * from events at will): a rebuild must not forget what already fired. Even so, firing again is
 * harmless — the command id is the deadline id, and the domain answers NOTHING_TO_DO.
 */
export const DEADLINE_RUNNER_MIGRATIONS: Migration[] = [
  {
    id: '001_deadline_firings',
    sql: `
      CREATE TABLE deadline_firings (
        deadline_id UUID        PRIMARY KEY,
        contract_id UUID        NOT NULL,
        command     TEXT        NOT NULL,
        due_at      TIMESTAMPTZ NOT NULL,
        outcome     TEXT        NOT NULL, -- fired | nothing_to_do
        fired_at    TIMESTAMPTZ NOT NULL  -- the business clock's time
      )`,
  },
];

export type DeadlineOutcome = 'fired' | 'nothing_to_do';

/**
 * Records a due deadline on its contract, as the runner does: the command id is the deadline's
 * id, so whoever records it first (the runner, or an open that finds the person's contract ended
 * by time alone) appends it, and the other appends nothing.
 */
export async function recordDeadline(
  streams: ContractStreams,
  contractId: string,
  deadline: PendingDeadline,
  id = deadlineId(contractId, deadline.command, deadline.dueAt), // the runner passes its schedule row's
): Promise<CommandOutcome> {
  // Rare and worth its read: the whole history names the event that set this deadline.
  const { events } = await streams.history(contractId);
  const cause = events[deadlineCause(events.map(toDomainEvent), deadline)];
  return streams.execute(
    contractId,
    { type: deadline.command, data: {} },
    { actor: { sub: 'deadline-runner', role: 'system' }, channel: 'system', correlationId: id, commandId: id, ...(cause ? { causationId: cause.id } : {}) },
  );
}

export interface DeadlineRunnerOptions {
  pool: Pool;
  streams: ContractStreams;
  clock: Clock;
  log: Log;
  /** Safety net between wake-ups (new schedule rows, clock changes); default 1 s. */
  pollMs?: number;
  batchSize?: number;
  /** Operational time, for the backoff of a deadline whose command fails (tests pin it); default the system's. */
  wallClock?: Clock;
}

interface DueRow {
  deadline_id: string;
  contract_id: string;
  command: DeadlineCommand['type'];
  due_at: Date;
}

const SCHEDULE = `${liveSchema('deadlines')}.schedule`;

/** Deadlines due at $1 and not done: what the runner fires, and what the metrics count. */
const DUE = `FROM ${SCHEDULE} s WHERE s.due_at <= $1`;
const UNRECORDED = 'AND NOT EXISTS (SELECT 1 FROM deadline_firings f WHERE f.deadline_id = s.deadline_id)';

/**
 * How many deadlines are due at `now` and not done yet, and since when the oldest: nonzero for a
 * moment at each deadline, growing while the runner is down or a deadline keeps failing.
 */
export async function dueDeadlines(pool: Pool, now: Date): Promise<{ count: number; oldestDueAt: Date | null }> {
  // No runner ever started here (the manual clock with the projector apart): nothing is recorded.
  const { rows: runner } = await pool.query<{ started: boolean }>(`SELECT to_regclass('deadline_firings') IS NOT NULL AS started`);
  const { rows } = await pool
    .query<{ count: number; oldest: Date | null }>(`SELECT count(*)::int AS count, min(s.due_at) AS oldest ${DUE} ${runner[0]!.started ? UNRECORDED : ''}`, [now])
    // Before the deadlines projection and the runner have made their tables, nothing is due.
    .catch((error: unknown) => (isUndefinedTable(error) ? { rows: [{ count: 0, oldest: null }] } : Promise.reject(error)));
  return { count: rows[0]!.count, oldestDueAt: rows[0]!.oldest };
}

/** A deadline whose command fails is tried again after 1 s, doubling up to 5 min: not on every wake. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;
const CLAIM_LOCK_CLASS = 0x4445_4144; // "DEAD"

/**
 * Issues each due deadline's command through ContractStreams. Exactly once in effect:
 *  - a due row is claimed with an advisory lock, so concurrent runners never fire it together;
 *  - the command id is the deadline id, so events get the same ids on any retry and a crash
 *    between "appended" and "recorded" appends nothing the second time;
 *  - `decide` answers NOTHING_TO_DO when the reason vanished (paid, passed, already closed).
 * A manual clock's change wakes it at once.
 */
export class DeadlineRunner {
  private readonly loop: DueWorkLoop;
  private readonly wallClock: Clock;
  /**
   * Deadlines whose command failed (a stream that cannot be read or folded, lost races): every
   * commit of the schedule wakes the runner, so without a backoff each would be read, locked and
   * logged many times a second. Per process: a restart tries them all again at once.
   */
  private readonly failing = new Map<string, { attempts: number; retryAtMs: number }>();

  constructor(private readonly options: DeadlineRunnerOptions) {
    this.loop = new DueWorkLoop({ clock: options.clock, pollMs: options.pollMs ?? 1_000, round: () => this.fireAllDue(), log: options.log, what: 'deadline' });
    this.wallClock = options.wallClock ?? new SystemClock();
  }

  static async create(options: DeadlineRunnerOptions): Promise<DeadlineRunner> {
    await migrate(options.pool, 'deadline-runner', DEADLINE_RUNNER_MIGRATIONS);
    return new DeadlineRunner(options);
  }

  start(): void {
    this.loop.start();
  }

  /** Something may be due: a new schedule row was committed, or the clock moved. */
  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * Fires every deadline due now; returns how many it recorded as done. Calls queue behind each
   * other and behind the background round, so when it resolves everything due has been tried.
   */
  runDue(): Promise<number> {
    return this.loop.runDue();
  }

  private async fireAllDue(): Promise<number> {
    let recordedInAll = 0;
    let after: DueRow | undefined;
    const due = new Set<string>();
    for (;;) {
      // Pages go on past rows left unrecorded (tried again next round, not in a tight loop now),
      // so deadlines that keep failing never hold back the ones due after them.
      const { rows, recorded } = await this.fireBatch(after);
      recordedInAll += recorded;
      for (const row of rows) due.add(row.deadline_id);
      if (rows.length < (this.options.batchSize ?? 50)) break;
      after = rows.at(-1);
    }
    // A failing deadline no longer due unrecorded (recorded by another runner, gone from the schedule) is forgotten.
    for (const deadlineId of this.failing.keys()) if (!due.has(deadlineId)) this.failing.delete(deadlineId);
    return recordedInAll;
  }

  /**
   * Claims with a session advisory lock per deadline, in autocommit: a transaction holding an xid
   * across the command would hold back event visibility for every reader of the event store.
   */
  private async fireBatch(after: DueRow | undefined): Promise<{ rows: DueRow[]; recorded: number }> {
    const { pool, clock } = this.options;
    const db = await pool.connect();
    try {
      const { rows } = await db
        .query<DueRow>(
          `SELECT s.deadline_id, s.contract_id, s.command, s.due_at ${DUE} ${UNRECORDED}
           AND ($3::timestamptz IS NULL OR (s.due_at, s.deadline_id) > ($3, $4::uuid))
         ORDER BY s.due_at, s.deadline_id
         LIMIT $2`,
          [clock.now(), this.options.batchSize ?? 50, after?.due_at ?? null, after?.deadline_id ?? null],
        )
        // Before the deadlines projection has created its schedule (first start) nothing is due.
        .catch((error: unknown) => (isUndefinedTable(error) ? { rows: [] as DueRow[] } : Promise.reject(error)));
      let recorded = 0;
      for (const row of rows) {
        if ((this.failing.get(row.deadline_id)?.retryAtMs ?? 0) > this.wallClock.now().getTime()) continue;
        const lock = [CLAIM_LOCK_CLASS, row.deadline_id];
        const claim = await db.query<{ claimed: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS claimed', lock);
        if (!claim.rows[0]!.claimed) continue; // another runner is on it
        try {
          const done = await db.query('SELECT 1 FROM deadline_firings WHERE deadline_id = $1', [row.deadline_id]);
          if (done.rows.length > 0) continue; // it finished between our read and our claim
          const outcome = await this.fire(row);
          if (outcome === undefined) continue;
          this.failing.delete(row.deadline_id);
          await db.query(
            `INSERT INTO deadline_firings (deadline_id, contract_id, command, due_at, outcome, fired_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (deadline_id) DO NOTHING`,
            [row.deadline_id, row.contract_id, row.command, row.due_at, outcome, clock.now()],
          );
          recorded += 1;
        } finally {
          await db.query('SELECT pg_advisory_unlock($1, hashtext($2))', lock);
        }
      }
      return { rows, recorded };
    } finally {
      db.release();
    }
  }

  /** Undefined: not done now, left for the next round. */
  private async fire(row: DueRow): Promise<DeadlineOutcome | undefined> {
    try {
      const outcome = await recordDeadline(this.options.streams, row.contract_id, { command: row.command, dueAt: row.due_at.toISOString() }, row.deadline_id);
      this.options.log({ level: 'info', msg: 'deadline fired', deadlineId: row.deadline_id, command: row.command, appended: outcome.appended.length });
      return outcome.appended.length > 0 ? 'fired' : 'nothing_to_do';
    } catch (error) {
      if (isDomainError(error) && error.code === 'NOTHING_TO_DO') return 'nothing_to_do';
      // A schedule row the projection has not updated yet, or a manual clock set back: not yet.
      if (isDomainError(error) && error.code === 'DEADLINE_NOT_REACHED') return undefined;
      const attempts = (this.failing.get(row.deadline_id)?.attempts ?? 0) + 1;
      const retryInMs = Math.min(RETRY_FIRST_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
      this.failing.set(row.deadline_id, { attempts, retryAtMs: this.wallClock.now().getTime() + retryInMs });
      this.options.log({ level: 'error', msg: 'deadline failed', deadlineId: row.deadline_id, command: row.command, attempts, retryInMs, error: errorMessage(error) });
      return undefined;
    }
  }
}
