import { CONTRACTS_TABLE, foldContracts, handlesContractEvent } from '../contract-states';
import type { Projection } from '../projection';

/**
 * Billing: each contract's folded state, from which `slipsOf` gives the slips on the day asked
 * (unpaid slips appear as months begin, without any event).
 */
export const billingProjection: Projection = {
  name: 'billing',
  // 2: the folded state is stored as JSON, no longer JSONB.
  // 3: the state is stored without its payment records (ContractSummary).
  version: 3,
  tables: [CONTRACTS_TABLE],
  handles: handlesContractEvent,
  async apply(tx, events) {
    await foldContracts(tx, events);
  },
};
