import type { PoolClient } from 'pg';
import { evolve, isContractEventType, type ContractState } from '@app/contracts-domain';
import { toDomainEvent } from '@app/contracts-app';
import type { RecordedEvent } from '@app/event-store';

const CONTRACT_STREAM = 'contract-';

/**
 * The contract as its events fold it, one row per contract. The read models keep the whole state
 * because the domain's own functions (`slipsOf`, `coverageOn`, `pendingDeadlines`) answer from
 * it: slips and cover depend on the day they are asked about, so they are computed at query time
 * from the state, never re-derived here.
 */
export const CONTRACTS_TABLE = `
  CREATE TABLE contracts (
    contract_id   UUID    PRIMARY KEY,
    national_code TEXT    NOT NULL,
    branch_id     TEXT    NOT NULL,
    revision      INTEGER NOT NULL, -- the last event folded in, so a replayed event is skipped
    position      BIGINT  NOT NULL,
    state         JSONB   NOT NULL
  )`;

export interface FoldedContract {
  contractId: string;
  state: ContractState;
  revision: number;
  position: bigint;
  /** When the last folded event happened (its metadata): "now" for decisions about it. */
  occurredAt: Date;
}

export function handlesContractEvent(type: string): boolean {
  return isContractEventType(type);
}

/** Folds the batch into the `contracts` table; returns the contracts that changed. */
export async function foldContracts(tx: PoolClient, events: readonly RecordedEvent[]): Promise<FoldedContract[]> {
  const byContract = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!event.streamId.startsWith(CONTRACT_STREAM) || !isContractEventType(event.type)) continue;
    const contractId = event.streamId.slice(CONTRACT_STREAM.length);
    byContract.set(contractId, [...(byContract.get(contractId) ?? []), event]);
  }
  if (byContract.size === 0) return [];

  const { rows } = await tx.query<{ contract_id: string; revision: number; state: ContractState }>(
    'SELECT contract_id, revision, state FROM contracts WHERE contract_id = ANY($1::uuid[])',
    [[...byContract.keys()]],
  );
  const stored = new Map(rows.map((row) => [row.contract_id, row]));
  const changed: FoldedContract[] = [];
  for (const [contractId, stream] of byContract) {
    const before = stored.get(contractId);
    const fresh = stream.filter((event) => event.revision > (before?.revision ?? -1));
    if (fresh.length === 0) continue;
    const state = fresh.reduce<ContractState | undefined>((folded, event) => evolve(folded, toDomainEvent(event)), before?.state);
    if (!state) continue; // a stream that does not start with ContractOpened: nothing to show
    const last = fresh[fresh.length - 1]!;
    changed.push({ contractId, state, revision: last.revision, position: last.position, occurredAt: new Date(last.metadata.occurredAt) });
  }
  if (changed.length === 0) return [];

  await tx.query(
    `INSERT INTO contracts (contract_id, national_code, branch_id, revision, position, state)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::jsonb[])
     ON CONFLICT (contract_id) DO UPDATE
       SET revision = EXCLUDED.revision, position = EXCLUDED.position, state = EXCLUDED.state`,
    [
      changed.map((c) => c.contractId),
      changed.map((c) => c.state.applicant.nationalCode),
      changed.map((c) => c.state.branchId),
      changed.map((c) => c.revision),
      changed.map((c) => c.position.toString()),
      changed.map((c) => JSON.stringify(c.state)),
    ],
  );
  return changed;
}
