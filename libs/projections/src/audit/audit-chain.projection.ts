import type { Projection } from '../projection';
import { auditHeadSql, chainIsCut, headOf } from './audit-head';
import { chainHash } from './chain-hash';

/**
 * The audit hash chain: one row per event of every stream, in global order, each hash covering the
 * event and the hash before it. The runner applies events exactly once and in order (the
 * checkpoint is locked and compared in the same transaction), so a row, once written, never
 * changes. Its version must never be bumped: a rebuild would re-hash whatever the events table
 * holds now, which is exactly what the chain exists to catch (the independently copied
 * `GET /v1/audit/head` would then disagree).
 */
export const auditChainProjection: Projection = {
  name: 'audit_chain',
  version: 1,
  tables: [
    `CREATE TABLE chain (
       position  BIGINT PRIMARY KEY,
       prev_hash TEXT   NOT NULL,
       hash      TEXT   NOT NULL
     )`,
  ],
  handles: () => true,
  async apply(tx, events) {
    // A cut chain (its newest links deleted): chaining on would hide that for good (verify would
    // follow the new links from the truncated end).
    const { rows } = await tx.query<{ checkpoint: bigint; position: bigint | null; hash: string | null }>(auditHeadSql('chain', '(SELECT position FROM checkpoint)'));
    const head = headOf(rows[0]!);
    if (chainIsCut(head)) {
      throw new Error(`audit chain: its last link is at position ${rows[0]!.position ?? 'none'} but its checkpoint at ${head.checkpoint}: links were deleted; run npm run audit -- verify`);
    }
    let prev = head.hash;
    const positions: string[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    for (const event of events) {
      const hash = chainHash(prev, event);
      positions.push(event.position.toString());
      prevs.push(prev);
      hashes.push(hash);
      prev = hash;
    }
    await tx.query('INSERT INTO chain (position, prev_hash, hash) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])', [positions, prevs, hashes]);
  },
};
