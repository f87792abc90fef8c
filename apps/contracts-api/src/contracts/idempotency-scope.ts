import { SCOPE_CLAIM, type Actor } from '../auth/actor';

/**
 * Whose `Idempotency-Key`s these are: the caller's whole identity, that is the role, the `sub` and
 * the role's scope claim (an applicant's nationalCode, an officer's branchId, a bank's bankId).
 * API.md does not make `sub` unique per person, so `role:sub` alone let a second token with the
 * same `sub` replay the first one's stored answer (someone else's contract) and, for an open,
 * derive the same contract id. Stored answers and command ids (hence contract and event ids) are
 * keyed by this scope.
 *
 * JSON-encoded, so a `sub` or claim holding the separator can never make two identities meet.
 */
export function idempotencyScope(actor: Pick<Actor, 'role' | 'sub' | 'nationalCode' | 'branchId' | 'bankId'>): string {
  const claim = SCOPE_CLAIM[actor.role];
  return JSON.stringify([actor.role, actor.sub, claim === undefined ? null : (actor[claim] ?? null)]);
}

/**
 * A payment's scope is the bank alone, not the bank's token: its key is the bank's own
 * reference, which names one payment whichever of the bank's systems sends it.
 */
export function bankReferenceScope(bankId: string): string {
  return `bank:${bankId}`;
}

/**
 * A quote's keys, apart from the caller's other commands': earlier versions ignored a quote's key,
 * so a portal may send the open the key its quote had, and that open must not be refused as a reuse.
 */
export function quoteScope(actor: Pick<Actor, 'role' | 'sub' | 'nationalCode' | 'branchId' | 'bankId'>): string {
  return `quote|${idempotencyScope(actor)}`;
}
