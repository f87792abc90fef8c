import { pendingDeadlines, policyFor } from '@app/contracts-domain';
import { deterministicId } from '@app/event-store';
import { CONTRACTS_TABLE, foldContracts, handlesContractEvent } from '../contract-states';
import type { Projection } from '../projection';

/** One id per (contract, command, due instant): the deadline's command id, so a re-fire appends nothing. */
export function deadlineId(contractId: string, command: string, dueAt: string): string {
  return deterministicId('deadline', contractId, command, dueAt);
}

/**
 * The durable schedule: for each contract, the deadline commands `pendingDeadlines` says are
 * pending after its latest event. A deadline whose reason vanished (paid, exam passed, closed)
 * leaves the schedule; what the runner fired is kept apart (deadline_firings), so the schedule is
 * a pure function of the events and a rebuild gives the same rows.
 */
export const deadlinesProjection: Projection = {
  name: 'deadlines',
  // 2: the folded state is stored as JSON, no longer JSONB.
  // 3: the state is stored without its payment records (ContractSummary).
  version: 3,
  tables: [
    CONTRACTS_TABLE,
    `CREATE TABLE schedule (
       deadline_id UUID        PRIMARY KEY,
       contract_id UUID        NOT NULL,
       command     TEXT        NOT NULL,
       due_at      TIMESTAMPTZ NOT NULL
     )`,
    'CREATE INDEX schedule_by_due ON schedule (due_at)',
    'CREATE INDEX schedule_by_contract ON schedule (contract_id)',
  ],
  handles: handlesContractEvent,
  async apply(tx, events) {
    const changed = await foldContracts(tx, events);
    if (changed.length === 0) return;
    const due = changed.flatMap(({ contractId, state, occurredAt }) =>
      pendingDeadlines(state, policyFor(state, occurredAt)).map(({ command, dueAt }) => ({
        id: deadlineId(contractId, command, dueAt),
        contractId,
        command,
        dueAt,
      })),
    );
    await tx.query('DELETE FROM schedule WHERE contract_id = ANY($1::uuid[]) AND NOT (deadline_id = ANY($2::uuid[]))', [
      changed.map((c) => c.contractId),
      due.map((d) => d.id),
    ]);
    await tx.query(
      `INSERT INTO schedule (deadline_id, contract_id, command, due_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[])
       ON CONFLICT (deadline_id) DO NOTHING`,
      [due.map((d) => d.id), due.map((d) => d.contractId), due.map((d) => d.command), due.map((d) => d.dueAt)],
    );
  },
};
