import type { PoolClient } from 'pg';
import { foldSummary, isContractEventType, type ContractSummary } from '@app/contracts-domain';
import { toDomainEvent } from '@app/contracts-app';
import type { RecordedEvent } from '@app/event-store';

const CONTRACT_STREAM = 'contract-';

/**
 * The contract as its events fold it, one row per contract. The read models keep its summary (the
 * state without the payment records) because the domain's own functions (`slipsOf`, `coverageOn`,
 * `pendingDeadlines`) answer from it: slips and cover depend on the day they are asked about, so
 * they are computed at query time from the state, never re-derived here. Without the records a
 * state stays ~1 kB however long the contract runs (with them a 20-payment contract's was ~4 kB,
 * compressed on every write, and a 360-payment one's ~60 kB, rewritten on each payment).
 */
export const CONTRACTS_TABLE = `
  CREATE TABLE contracts (
    contract_id   UUID    PRIMARY KEY,
    national_code TEXT    NOT NULL,
    branch_id     TEXT    NOT NULL,
    revision      INTEGER NOT NULL, -- the last event folded in, so a replayed event is skipped
    position      BIGINT  NOT NULL,
    -- Only ever written and read back whole: JSON keeps the text as sent, where JSONB would be
    -- converted on every write and rendered on every read (rebuilds 1.07-1.10 x; the catch-up's
    -- gain was within noise, docs/performance.md).
    state         JSON    NOT NULL
  )`;

export interface FoldedContract {
  contractId: string;
  state: ContractSummary;
  revision: number;
  position: bigint;
  /** When the last folded event happened (its metadata): "now" for decisions about it. */
  occurredAt: Date;
}

export function handlesContractEvent(type: string): boolean {
  return isContractEventType(type);
}

/**
 * The state after folding a contract through this event, kept by whichever projection folded it
 * first: billing, eligibility, deadlines and dashboard fold the same events (the runners of a
 * process share the event objects, see `SharedReader`), and a contract's state after an event is
 * a function of its events alone. Keyed by the event object, so it lives as long as the page.
 */
const foldedThrough = new WeakMap<RecordedEvent, { state: ContractSummary; json: string }>();

/** Folds the batch into the `contracts` table; returns the contracts that changed. */
export async function foldContracts(tx: PoolClient, events: readonly RecordedEvent[]): Promise<FoldedContract[]> {
  const byContract = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!event.streamId.startsWith(CONTRACT_STREAM) || !isContractEventType(event.type)) continue;
    const contractId = event.streamId.slice(CONTRACT_STREAM.length);
    const stream = byContract.get(contractId);
    if (stream) stream.push(event);
    else byContract.set(contractId, [event]);
  }
  if (byContract.size === 0) return [];

  // The stored state is only needed for contracts not already folded through their last event.
  const ids = [...byContract.keys()];
  const known = ids.filter((contractId) => foldedThrough.has(lastOf(byContract.get(contractId)!)));
  const { rows } = await tx.query<{ contract_id: string; revision: number; state: ContractSummary | null }>(
    `SELECT contract_id, revision, CASE WHEN contract_id = ANY($2::uuid[]) THEN NULL ELSE state END AS state
       FROM contracts WHERE contract_id = ANY($1::uuid[])`,
    [ids, known],
  );
  const stored = new Map(rows.map((row) => [row.contract_id, row]));
  const changed: FoldedContract[] = [];
  const json: string[] = [];
  for (const [contractId, stream] of byContract) {
    const before = stored.get(contractId);
    const last = lastOf(stream);
    if (before && before.revision >= last.revision) continue; // replayed: already folded in
    let folded = foldedThrough.get(last);
    if (!folded) {
      const after = stream.filter((event) => event.revision > (before?.revision ?? -1)).map(toDomainEvent);
      const state = foldSummary(before?.state ?? undefined, after);
      if (!state) continue; // a stream that does not start with ContractOpened: nothing to show
      folded = { state, json: JSON.stringify(state) };
      foldedThrough.set(last, folded);
    }
    changed.push({ contractId, state: folded.state, revision: last.revision, position: last.position, occurredAt: new Date(last.metadata.occurredAt) });
    json.push(folded.json);
  }
  if (changed.length === 0) return [];

  await tx.query(
    `INSERT INTO contracts (contract_id, national_code, branch_id, revision, position, state)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[],
                          ARRAY(SELECT value FROM json_array_elements($6::json) WITH ORDINALITY ORDER BY ordinality))
     ON CONFLICT (contract_id) DO UPDATE
       SET revision = EXCLUDED.revision, position = EXCLUDED.position, state = EXCLUDED.state`,
    [
      changed.map((c) => c.contractId),
      changed.map((c) => c.state.applicant.nationalCode),
      changed.map((c) => c.state.branchId),
      changed.map((c) => c.revision),
      changed.map((c) => c.position.toString()),
      // One JSON array rather than a jsonb[] literal: pg escapes every quote of every state in one.
      `[${json.join(',')}]`,
    ],
  );
  return changed;
}

function lastOf(stream: readonly RecordedEvent[]): RecordedEvent {
  return stream[stream.length - 1]!;
}
