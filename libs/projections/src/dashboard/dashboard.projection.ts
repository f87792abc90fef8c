import { CONTRACTS_TABLE, foldContracts, handlesContractEvent } from '../contract-states';
import type { Projection } from '../projection';

/**
 * Branch dashboard: one row of countable facts per contract (branch, province, channel, status,
 * exam status, the two dates the counts are taken against), no names or codes of people. The
 * counts that depend on the day ("opened today", "first payment due within 5 days") are taken at
 * query time, so they move with the clock without any event. The folded state beside it is
 * only the fold's working copy: queries never read it.
 */
export const dashboardProjection: Projection = {
  name: 'dashboard',
  // 2: the folded state is stored as JSON, no longer JSONB.
  // 3: an index by branch alone: a branch officer's dashboard filters on the branch without its
  //    province, which the index by place (province first) cannot serve.
  version: 3,
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
    'CREATE INDEX branch_contracts_by_place ON branch_contracts (province_code, branch_id, contract_date)',
    'CREATE INDEX branch_contracts_by_branch ON branch_contracts (branch_id, contract_date)',
  ],
  handles: handlesContractEvent,
  async apply(tx, events) {
    const changed = await foldContracts(tx, events);
    if (changed.length === 0) return;
    const column = <T>(pick: (c: (typeof changed)[number]['state']) => T) => changed.map((c) => pick(c.state));
    await tx.query(
      `INSERT INTO branch_contracts (contract_id, branch_id, province_code, channel, status, exam_status, contract_date, payment_deadline)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
       ON CONFLICT (contract_id) DO UPDATE SET status = EXCLUDED.status, exam_status = EXCLUDED.exam_status`,
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
  },
};
