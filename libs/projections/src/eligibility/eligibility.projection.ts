import { CONTRACTS_TABLE, foldContracts, handlesContractEvent } from '../contract-states';
import type { Projection } from '../projection';

/**
 * Medical eligibility: every contract of a person, by national code; `coverageOn` answers for the
 * day asked (cover ends when a premium falls overdue, without any event).
 */
export const eligibilityProjection: Projection = {
  name: 'eligibility',
  // 2: the folded state is stored as JSON, no longer JSONB.
  // 3: the state is stored without its payment records (ContractSummary).
  version: 3,
  tables: [CONTRACTS_TABLE, 'CREATE INDEX contracts_by_person ON contracts (national_code, position)'],
  handles: handlesContractEvent,
  async apply(tx, events) {
    await foldContracts(tx, events);
  },
};
