import type { ContractSummary } from '@app/contracts-domain';
import type { Actor } from '../auth';
import { ProblemException } from '../http/problem';

/**
 * Who may read a contract (API.md): the applicant it belongs to, an officer of its branch, an
 * auditor. Someone else's contract answers 404, so a guessed id tells nothing.
 */
export function canRead(actor: Actor, state: ContractSummary): boolean {
  switch (actor.role) {
    case 'auditor':
      return true;
    case 'applicant':
      return actor.nationalCode === state.applicant.nationalCode;
    case 'branch_officer':
      return actor.branchId === state.branchId;
    default:
      return false;
  }
}

export function assertCanRead(actor: Actor, state: ContractSummary): void {
  if (!canRead(actor, state)) throw new ProblemException('NOT_FOUND');
}

/** A command on an existing contract by the applicant: only their own. */
export function assertOwner(actor: Actor, state: ContractSummary): void {
  if (actor.nationalCode !== state.applicant.nationalCode) throw new ProblemException('NOT_FOUND');
}

export function assertOwnBranch(actor: Actor, state: ContractSummary): void {
  if (actor.branchId !== state.branchId) throw new ProblemException('NOT_FOUND');
}
