import { CONTRACTS_TABLE, foldContracts, handlesContractEvent } from '../contract-states';
import type { Projection } from '../projection';

/**
 * Branch dashboard: one row of countable facts per contract (branch, province, channel, status,
 * exam status, the two dates the counts are taken against), no names or codes of people, and
 * beside it the all-time counts of those rows per branch and category (`branch_totals`), kept
 * in the same statement, so the dashboard reads history as a few rows per branch. The counts that
 * depend on the day ("opened today", "first payment due within 5 days") are taken at query time
 * from the recent rows, so they move with the clock without any event. The folded state beside
 * them is only the fold's working copy: queries never read it.
 */
export const dashboardProjection: Projection = {
  name: 'dashboard',
  // 2: the folded state is stored as JSON, no longer JSONB.
  // 3: an index by branch alone: a branch officer's dashboard filters on the branch without its
  //    province, which the index by place (province first) cannot serve.
  // 4: all-time counts kept in branch_totals; indexes by day (alone and within a province) and on
  //    the deadlines of first payments awaited, so a dashboard read no longer scans every contract.
  // 5: the folded state is stored without its payment records (ContractSummary).
  version: 5,
  tables: [
    CONTRACTS_TABLE,
    `CREATE TABLE branch_contracts (
       contract_id      UUID PRIMARY KEY,
       branch_id        TEXT NOT NULL,
       province_code    TEXT NOT NULL,
       channel          TEXT NOT NULL,
       status           TEXT NOT NULL,
       exam_status      TEXT NOT NULL,
       contract_date    TEXT NOT NULL, -- ISO Iran day: compares as text
       payment_deadline TEXT NOT NULL
     )`,
    'CREATE INDEX branch_contracts_by_day ON branch_contracts (contract_date)',
    'CREATE INDEX branch_contracts_by_province ON branch_contracts (province_code, contract_date)',
    'CREATE INDEX branch_contracts_by_branch ON branch_contracts (branch_id, contract_date)',
    `CREATE INDEX branch_contracts_awaiting_first_payment ON branch_contracts (payment_deadline)
       WHERE status = 'awaiting_payment'`,
    // How many rows of branch_contracts have each combination (never 0: an emptied one is deleted).
    `CREATE TABLE branch_totals (
       branch_id     TEXT    NOT NULL,
       province_code TEXT    NOT NULL,
       status        TEXT    NOT NULL,
       channel       TEXT    NOT NULL,
       exam_status   TEXT    NOT NULL,
       count         INTEGER NOT NULL,
       PRIMARY KEY (branch_id, province_code, status, channel, exam_status)
     )`,
  ],
  handles: handlesContractEvent,
  async apply(tx, events) {
    const changed = await foldContracts(tx, events);
    if (changed.length === 0) return;
    const column = <T>(pick: (c: (typeof changed)[number]['state']) => T) => changed.map((c) => pick(c.state));
    // One statement, one snapshot: `before` reads the rows as they were before `after` upserts
    // them, and the totals move by the difference (-1 for each old category, +1 for each new).
    const { rows: moved } = await tx.query<{ count: number }>(
      `WITH before AS (
         SELECT branch_id, province_code, status, channel, exam_status FROM branch_contracts WHERE contract_id = ANY($1::uuid[])
       ), after AS (
         INSERT INTO branch_contracts (contract_id, branch_id, province_code, channel, status, exam_status, contract_date, payment_deadline)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         ON CONFLICT (contract_id) DO UPDATE SET status = EXCLUDED.status, exam_status = EXCLUDED.exam_status
         RETURNING branch_id, province_code, status, channel, exam_status
       )
       INSERT INTO branch_totals AS t (branch_id, province_code, status, channel, exam_status, count)
       SELECT branch_id, province_code, status, channel, exam_status, sum(delta)::int
       FROM (SELECT *, -1 AS delta FROM before UNION ALL SELECT *, 1 FROM after) AS moves
       GROUP BY branch_id, province_code, status, channel, exam_status
       HAVING sum(delta) <> 0
       ON CONFLICT (branch_id, province_code, status, channel, exam_status) DO UPDATE SET count = t.count + EXCLUDED.count
       RETURNING t.count`,
      [
        changed.map((c) => c.contractId),
        column((s) => s.branchId),
        column((s) => s.provinceCode),
        column((s) => s.channel),
        column((s) => s.status),
        column((s) => s.exam.status),
        column((s) => s.contractDate),
        column((s) => s.paymentDeadline),
      ],
    );
    // A category every contract has left goes, so the live table equals a rebuild's, which never
    // sees the categories a contract passed through within one batch.
    if (moved.some((row) => row.count === 0)) await tx.query('DELETE FROM branch_totals WHERE count = 0');
  },
};
