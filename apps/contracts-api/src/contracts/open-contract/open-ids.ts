import { deterministicId } from '@app/event-store';

/**
 * An open's command id: the request's (from its Idempotency-Key, scoped to the caller) made the
 * key's for the person opened for. An officer's key whose kept answer was purged
 * (IDEMPOTENCY_TTL_HOURS) and that comes back for someone else is then a new open, not one that
 * meets the first person's reservation and event ids.
 */
export function openCommandId(requestCommandId: string, nationalCode: string): string {
  return deterministicId(requestCommandId, 'open', nationalCode);
}

/** The contract an open writes, named by its command: a retry finds the same one. */
export function openedContractId(openCommand: string): string {
  return deterministicId(openCommand, 'contract');
}
