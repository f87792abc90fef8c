import type { Pool, PoolClient } from 'pg';
import { isUndefinedTable, migrate, type Migration } from '@app/platform';
import { queryReadModel } from '@app/projections';
import type { Template } from './templates';

/**
 * The SMS outbox. It lives outside the projection's schema on purpose: the projection may be
 * rebuilt (a fresh schema swapped in), and delivery state — sent, attempts, errors — must survive
 * that. The projection only ever inserts, keyed by a deterministic message id, so a replay inserts
 * nothing new. `available_at` is operational (wall-clock) time: the end of a dispatcher's lease
 * or of a retry's backoff; `not_before` is business time (a reminder's day).
 */
export const OUTBOX_MIGRATIONS: Migration[] = [
  {
    id: '001_sms_outbox',
    sql: `
      CREATE TABLE sms_outbox (
        message_id    UUID        PRIMARY KEY,
        seq           BIGINT      GENERATED ALWAYS AS IDENTITY, -- queue order among messages due together
        event_id      TEXT        NOT NULL,
        contract_id   UUID        NOT NULL,
        branch_id     TEXT        NOT NULL,
        province_code TEXT        NOT NULL,
        template      TEXT        NOT NULL,
        recipient     TEXT        NOT NULL, -- personal data: shown masked to ops, never logged
        text          TEXT        NOT NULL,
        created_at    TIMESTAMPTZ NOT NULL, -- the event's occurredAt
        not_before    TIMESTAMPTZ NOT NULL,
        status        TEXT        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
        attempts      INTEGER     NOT NULL DEFAULT 0,
        last_error    TEXT,
        available_at  TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
        claim_token   UUID,
        sent_at       TIMESTAMPTZ,
        finished_at   TIMESTAMPTZ
      );
      CREATE INDEX sms_outbox_due ON sms_outbox (not_before, seq) WHERE status = 'pending';
      CREATE INDEX sms_outbox_by_contract ON sms_outbox (contract_id, created_at);`,
  },
  {
    // The dashboard (every 2 s per viewer) and /metrics count messages by branch and status; the
    // outbox keeps every message ever queued, so counting it grew with all history. Statement-level
    // triggers keep the counts as rows change: one small upsert per statement, in its transaction.
    // Deltas are applied in key order, so concurrent statements lock counter rows in one order.
    id: '002_sms_outbox_counts',
    sql: `
      LOCK TABLE sms_outbox IN SHARE ROW EXCLUSIVE MODE;
      CREATE TABLE sms_outbox_counts (
        branch_id     TEXT   NOT NULL,
        province_code TEXT   NOT NULL,
        status        TEXT   NOT NULL,
        count         BIGINT NOT NULL,
        PRIMARY KEY (branch_id, province_code, status)
      );
      INSERT INTO sms_outbox_counts SELECT branch_id, province_code, status, count(*) FROM sms_outbox GROUP BY 1, 2, 3;

      CREATE FUNCTION sms_outbox_add_counts(branch_ids TEXT[], province_codes TEXT[], statuses TEXT[], deltas INT[]) RETURNS VOID LANGUAGE SQL AS $$
        INSERT INTO public.sms_outbox_counts AS c (branch_id, province_code, status, count)
        SELECT b, p, s, sum(d) FROM unnest(branch_ids, province_codes, statuses, deltas) AS t(b, p, s, d)
        GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (branch_id, province_code, status) DO UPDATE SET count = c.count + EXCLUDED.count
      $$;
      -- Qualified names: the projector writes the outbox with its own schema on the search path.
      CREATE FUNCTION sms_outbox_counted() RETURNS TRIGGER LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM public.sms_outbox_add_counts(array_agg(branch_id), array_agg(province_code), array_agg(status), array_agg(1)) FROM new_rows;
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM public.sms_outbox_add_counts(array_agg(branch_id), array_agg(province_code), array_agg(status), array_agg(-1)) FROM old_rows;
        ELSE -- UPDATE: only a changed status moves a count (leases and retries change none)
          PERFORM public.sms_outbox_add_counts(array_agg(branch_id), array_agg(province_code), array_agg(status), array_agg(delta))
          FROM (SELECT o.branch_id, o.province_code, o.status, -1 AS delta FROM old_rows o JOIN new_rows n USING (message_id) WHERE o.status <> n.status
                UNION ALL
                SELECT n.branch_id, n.province_code, n.status, 1 FROM old_rows o JOIN new_rows n USING (message_id) WHERE o.status <> n.status) changed;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER sms_outbox_counted_insert AFTER INSERT ON sms_outbox
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sms_outbox_counted();
      CREATE TRIGGER sms_outbox_counted_update AFTER UPDATE ON sms_outbox
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sms_outbox_counted();
      CREATE TRIGGER sms_outbox_counted_delete AFTER DELETE ON sms_outbox
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sms_outbox_counted();`,
  },
  {
    // PostgreSQL 17 plans a SQL function's statements again at every call; a PL/pgSQL one keeps
    // its plan for the session. The counts move on every outbox write (tuning log, session 19).
    id: '003_sms_outbox_counts_planned_once',
    sql: `
      CREATE OR REPLACE FUNCTION sms_outbox_add_counts(branch_ids TEXT[], province_codes TEXT[], statuses TEXT[], deltas INT[]) RETURNS VOID LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO public.sms_outbox_counts AS c (branch_id, province_code, status, count)
        SELECT b, p, s, sum(d) FROM unnest(branch_ids, province_codes, statuses, deltas) AS t(b, p, s, d)
        GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (branch_id, province_code, status) DO UPDATE SET count = c.count + EXCLUDED.count;
      END $$;`,
  },
];

/** Creates or updates the outbox table; every process that writes or reads it calls this first. */
export async function migrateOutbox(pool: Pool): Promise<void> {
  await migrate(pool, 'notifications', OUTBOX_MIGRATIONS);
}

export type NotificationStatus = 'pending' | 'sent' | 'failed' | 'cancelled';

export interface OutboxMessage {
  messageId: string;
  eventId: string;
  contractId: string;
  branchId: string;
  provinceCode: string;
  template: Template;
  recipient: string;
  text: string;
  createdAt: Date;
  notBefore: Date;
  /** Set: queued as `cancelled` with this reason (`last_error`) at this time, never sent. */
  unsent?: { because: string; at: Date };
}

/** Which of these messages the outbox already holds (a replay's), in the caller's transaction. */
export async function queuedAmong(tx: PoolClient, messageIds: readonly string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const { rows } = await tx.query<{ message_id: string }>('SELECT message_id FROM public.sms_outbox WHERE message_id = ANY($1::uuid[])', [messageIds]);
  return new Set(rows.map((row) => row.message_id));
}

/** Inserts in the caller's transaction; a message already there (a replay) is left as it is. */
export async function enqueue(tx: PoolClient, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const column = <K extends keyof OutboxMessage>(key: K) => messages.map((m) => m[key]);
  await tx.query(
    `INSERT INTO public.sms_outbox (message_id, event_id, contract_id, branch_id, province_code, template, recipient, text, created_at, not_before,
                                    status, last_error, finished_at)
     SELECT m.message_id, m.event_id, m.contract_id, m.branch_id, m.province_code, m.template, m.recipient, m.text, m.created_at, m.not_before,
            CASE WHEN m.unsent_because IS NULL THEN 'pending' ELSE 'cancelled' END, m.unsent_because, m.unsent_at
     FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[],
                 $11::text[], $12::timestamptz[])
            AS m(message_id, event_id, contract_id, branch_id, province_code, template, recipient, text, created_at, not_before, unsent_because, unsent_at)
     ON CONFLICT (message_id) DO NOTHING`,
    [
      column('messageId'),
      column('eventId'),
      column('contractId'),
      column('branchId'),
      column('provinceCode'),
      column('template'),
      column('recipient'),
      column('text'),
      // Instants as ISO text (native): pg formats a Date field by field, in local time.
      messages.map((m) => m.createdAt.toISOString()),
      messages.map((m) => m.notBefore.toISOString()),
      messages.map((m) => m.unsent?.because ?? null),
      messages.map((m) => m.unsent?.at.toISOString() ?? null),
    ],
  );
}

export interface Notification {
  messageId: string;
  contractId: string;
  template: Template;
  recipient: string;
  text: string;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  notBefore: Date;
  sentAt: Date | null;
}

export interface NotificationsAnswer {
  contractId: string;
  items: Notification[];
  /** Position of the last event the outbox projection had applied when this was read. */
  checkpoint: bigint;
}

interface NotificationRow {
  checkpoint: bigint;
  message_id: string | null;
  contract_id: string;
  template: Template;
  recipient: string;
  text: string;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  not_before: Date;
  sent_at: Date | null;
}

/** A contract's messages in the order they were (or will be) due; throws ReadModelNotReady before the first start. */
export async function readNotifications(pool: Pool, contractId: string): Promise<NotificationsAnswer> {
  const rows = await queryReadModel<NotificationRow>(
    pool,
    'notifications',
    `SELECT {checkpoint} AS checkpoint, o.*
     FROM (SELECT 1) AS one
     LEFT JOIN public.sms_outbox o ON o.contract_id = $1
     ORDER BY o.not_before, o.seq`,
    [contractId],
  );
  const items = rows.flatMap((row): Notification[] =>
    row.message_id === null
      ? []
      : [
          {
            messageId: row.message_id,
            contractId: row.contract_id,
            template: row.template,
            recipient: row.recipient,
            text: row.text,
            status: row.status,
            attempts: row.attempts,
            lastError: row.last_error,
            createdAt: row.created_at,
            notBefore: row.not_before,
            sentAt: row.sent_at,
          },
        ],
  );
  return { contractId, items, checkpoint: rows[0]!.checkpoint };
}

export type StatusCounts = Record<NotificationStatus, number>;

export interface NotificationCounts {
  total: StatusCounts;
  byBranch: { branchId: string; provinceCode: string; counts: StatusCounts }[];
}

const zero = (): StatusCounts => ({ pending: 0, sent: 0, failed: 0, cancelled: 0 });

/**
 * Messages by status, overall and per branch: for /metrics and the dashboard (no personal data).
 * No outbox yet (the projector, in its own process, has not started) means no messages.
 */
export async function notificationCounts(pool: Pool): Promise<NotificationCounts> {
  const { rows } = await pool
    .query<{ branch_id: string; province_code: string; status: NotificationStatus; count: number }>(
      `SELECT branch_id, province_code, status, count::int AS count
       FROM public.sms_outbox_counts WHERE count > 0 ORDER BY branch_id, province_code`,
    )
    .catch((error: unknown) => (isUndefinedTable(error) ? { rows: [] } : Promise.reject(error)));
  const total = zero();
  const branches = new Map<string, NotificationCounts['byBranch'][number]>();
  for (const row of rows) {
    total[row.status] += row.count;
    const key = `${row.branch_id}\u0000${row.province_code}`;
    let branch = branches.get(key);
    if (!branch) branches.set(key, (branch = { branchId: row.branch_id, provinceCode: row.province_code, counts: zero() }));
    branch.counts[row.status] += row.count;
  }
  return { total, byBranch: [...branches.values()] };
}

/** A message the gateway never took, as ops may see it: no recipient, no text. */
export interface FailedMessage {
  messageId: string;
  contractId: string;
  template: Template;
  attempts: number;
  lastError: string | null;
  failedAt: Date;
}

/** Failed messages, oldest failure first; with `since`, those that failed at or after it. */
export async function failedMessages(pool: Pool, since?: Date): Promise<FailedMessage[]> {
  const { rows } = await pool
    .query<{ message_id: string; contract_id: string; template: Template; attempts: number; last_error: string | null; finished_at: Date }>(
      `SELECT message_id, contract_id, template, attempts, last_error, finished_at FROM public.sms_outbox
       WHERE status = 'failed' AND finished_at >= $1 ORDER BY finished_at, seq`,
      [since ?? new Date(0)],
    )
    .catch(outboxMissing);
  return rows.map((row) => ({
    messageId: row.message_id,
    contractId: row.contract_id,
    template: row.template,
    attempts: row.attempts,
    lastError: row.last_error,
    failedAt: row.finished_at,
  }));
}

/**
 * Puts failed messages back in the queue, due at once with a fresh count of attempts, for the
 * dispatcher to send as if new (same messageId, so a gateway that did take one can drop it). A
 * reminder is still checked against its contract when claimed. Returns the ids put back: a message
 * not failed (sent meanwhile, unknown) is left as it is.
 */
export async function resendFailed(
  pool: Pool,
  which: { messageIds: readonly string[] } | { since: Date },
): Promise<Array<{ messageId: string; template: Template; dueSince: Date }>> {
  const { rows } = await pool
    .query<{ message_id: string; template: Template; not_before: Date }>(
      `UPDATE public.sms_outbox
       SET status = 'pending', attempts = 0, available_at = '-infinity', finished_at = NULL, claim_token = NULL
       WHERE status = 'failed' AND ${'messageIds' in which ? 'message_id = ANY($1::uuid[])' : 'finished_at >= $1'}
       RETURNING message_id, template, not_before`,
      ['messageIds' in which ? which.messageIds : which.since],
    )
    .catch(outboxMissing);
  return rows.map((row) => ({ messageId: row.message_id, template: row.template, dueSince: row.not_before }));
}

/** An operator's command on a database without the outbox: most likely not the service's. */
function outboxMissing(error: unknown): never {
  if (isUndefinedTable(error)) throw new Error('this database has no SMS outbox: is DATABASE_URL the service\'s read-model database?');
  throw error;
}

/** Messages whose time has come and that are not sent yet (waiting their turn or a retry). */
export interface DueBacklog {
  count: number;
  /** When the oldest of them became due; null when there are none. */
  oldestDueAt: Date | null;
}

/** The due backlog at `now` (the service clock), from the outbox's due index; none before the outbox exists. */
export async function dueBacklog(pool: Pool, now: Date): Promise<DueBacklog> {
  const { rows } = await pool
    .query<{ count: number; oldest: Date | null }>(
      `SELECT count(*)::int AS count, min(not_before) AS oldest FROM public.sms_outbox WHERE status = 'pending' AND not_before <= $1`,
      [now],
    )
    .catch((error: unknown) => (isUndefinedTable(error) ? { rows: [{ count: 0, oldest: null }] } : Promise.reject(error)));
  return { count: rows[0]!.count, oldestDueAt: rows[0]!.oldest };
}
