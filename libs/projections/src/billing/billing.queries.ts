import type { Pool } from 'pg';
import { iranDate, policyFor, slipsOf, type ContractSummary, type Slip } from '@app/contracts-domain';
import { queryReadModel } from '../read-model';

export interface SlipsAnswer {
  /** Position of the last event the read model includes. */
  checkpoint: bigint;
  /** Undefined when the read model has no such contract (yet). */
  contract?: { state: ContractSummary; revision: number; slips: Slip[] };
}

/** The contract's slips as of `now` (Iran day), with the checkpoint they were read at. */
export async function readSlips(pool: Pool, contractId: string, now: Date): Promise<SlipsAnswer> {
  const rows = await queryReadModel<{ checkpoint: bigint; state: ContractSummary | null; revision: number | null }>(
    pool,
    'billing',
    `SELECT {checkpoint} AS checkpoint, c.state, c.revision
     FROM (SELECT 1) AS one LEFT JOIN {schema}.contracts c ON c.contract_id = $1::uuid`,
    [contractId],
  );
  const { checkpoint, state, revision } = rows[0]!;
  if (state === null || revision === null) return { checkpoint };
  return { checkpoint, contract: { state, revision, slips: slipsOf(state, iranDate(now), policyFor(state, now)) } };
}
