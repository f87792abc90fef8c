import type { Pool } from 'pg';
import { coverageOn, iranDate, policyFor, type ContractSummary, type Coverage } from '@app/contracts-domain';
import { queryReadModel } from '../read-model';

export interface EligibilityAnswer extends Coverage {
  nationalCode: string;
  /** The contract the answer comes from: the covering one, else the latest; null without any. */
  contractId: string | null;
  /** Every contract of the person the read model holds, with the revision of it the answer saw. */
  contracts: { contractId: string; revision: number }[];
  checkpoint: bigint;
}

/**
 * A person's medical eligibility on `now`'s Iran day. One active contract per person at a time,
 * but earlier closed ones stay on record: the person is covered if any contract covers the day.
 */
export async function readEligibility(pool: Pool, nationalCode: string, now: Date): Promise<EligibilityAnswer> {
  const rows = await queryReadModel<{ checkpoint: bigint; contract_id: string | null; state: ContractSummary | null; revision: number }>(
    pool,
    'eligibility',
    `SELECT {checkpoint} AS checkpoint, c.contract_id, c.state, c.revision
     FROM (SELECT 1) AS one
     LEFT JOIN {schema}.contracts c ON c.national_code = $1
     ORDER BY c.position DESC`,
    [nationalCode],
  );
  const checkpoint = rows[0]!.checkpoint;
  const day = iranDate(now);
  const answers = rows.flatMap(({ contract_id, state, revision }) =>
    contract_id === null || state === null ? [] : [{ contractId: contract_id, revision, coverage: coverageOn(state, day, policyFor(state, now)) }],
  );
  const chosen = answers.find((answer) => answer.coverage.covered) ?? answers[0];
  const coverage: Coverage = chosen?.coverage ?? { covered: false, outpatient: false, inpatient: 'not_covered', paidThrough: null, coveredThrough: null };
  const contracts = answers.map(({ contractId, revision }) => ({ contractId, revision }));
  return { nationalCode, contractId: chosen?.contractId ?? null, contracts, checkpoint, ...coverage };
}
