import { GENESIS_HASH } from './chain-hash';

/** The audit chain's head beside its checkpoint: read by the API, the verifier and the projection itself. */
export interface AuditHead {
  /** Position and hash of the latest chained event (0 and the genesis hash before any). */
  position: bigint;
  hash: string;
  /** How far the chain has caught up with the event store. */
  checkpoint: bigint;
}

/** The checkpoint beside the last link, one row whatever the chain holds; `headOf` reads it. */
export function auditHeadSql(chain: string, checkpoint: string): string {
  return `SELECT ${checkpoint} AS checkpoint, last.position, last.hash
          FROM (SELECT 1) AS one LEFT JOIN (SELECT position, hash FROM ${chain} ORDER BY position DESC LIMIT 1) AS last ON true`;
}

export function headOf({ checkpoint, position, hash }: { checkpoint: bigint; position: bigint | null; hash: string | null }): AuditHead {
  return { position: position ?? 0n, hash: hash ?? GENESIS_HASH, checkpoint };
}

/**
 * Every event up to the checkpoint has its link, so a last link short of it means the newest
 * events went with their links.
 */
export function chainIsCut(head: AuditHead): boolean {
  return head.position < head.checkpoint;
}
