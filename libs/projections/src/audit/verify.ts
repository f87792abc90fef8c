import type { Pool } from 'pg';
import type { EventStore } from '@app/event-store';
import type { RebuildProgress } from '../rebuild';
import { chainCheckpoint, linkAtOrBefore, walkChain } from './audit-chain.queries';
import { chainHash } from './chain-hash';

export type VerifyResult =
  | { ok: true; events: number; position: bigint; hash: string }
  | { ok: false; events: number; position: bigint; reason: string };

export interface VerifyOptions {
  pool: Pool;
  eventStore: EventStore;
  /** Start after this position, trusting the stored link at or before it (default 0: from the genesis). */
  from?: bigint;
  onProgress?: (progress: RebuildProgress) => void;
  elapsedMs?: () => number;
}

/**
 * Recomputes the chain from the stored events and compares it, link by link, with the stored
 * hashes. Stops at the first position where they part: an event whose bytes changed, a link whose
 * event is gone, an event slipped in without a link, or a link that does not follow the one
 * before it; and fails a chain that ends before its checkpoint.
 */
export async function verifyChain(options: VerifyOptions): Promise<VerifyResult> {
  const { pool, eventStore } = options;
  const elapsedMs = options.elapsedMs ?? (() => performance.now());
  const startedAt = elapsedMs();
  const from = options.from ?? 0n;
  const total = await chainCheckpoint(pool);
  // From the stored link the walk starts after, not from `from` itself: a chain cut back to or
  // before `from` must still end short of its checkpoint.
  const start = await linkAtOrBefore(pool, from);
  let prev = start.hash;
  let position = start.position;
  let events = 0;
  let lastReport = startedAt;

  for await (const step of walkChain(pool, eventStore, from)) {
    const fail = (reason: string): VerifyResult => ({ ok: false, events, position: step.position, reason });
    if (!step.link) return fail('event has no link in the chain (inserted after hashing?)');
    if (!step.event) return fail('event is missing (deleted after hashing?)');
    if (step.link.prevHash !== prev) return fail('link does not follow the previous hash');
    if (chainHash(prev, step.event) !== step.link.hash) return fail('event does not match its stored hash (the event, or the hash in its link, altered after hashing?)');
    prev = step.link.hash;
    position = step.position;
    events += 1;
    const now = elapsedMs();
    if (options.onProgress && (now - lastReport >= 200 || position === total)) {
      lastReport = now;
      options.onProgress(progress(from, position, total, events, (now - startedAt) / 1000));
    }
  }
  // Every event up to the checkpoint has its link, so the last one pairs with the checkpoint: short
  // of it, the newest events went with their links, which the walk alone cannot see.
  if (position < total) {
    return { ok: false, events, position: total, reason: `the chain ends at position ${position}, before its checkpoint: the newest events and their links are gone (deleted after hashing?)` };
  }
  return { ok: true, events, position, hash: prev };
}

function progress(from: bigint, position: bigint, total: bigint, events: number, seconds: number): RebuildProgress {
  const elapsed = Math.max(seconds, 1e-3);
  const positionsPerSecond = Number(position - from) / elapsed;
  return {
    position,
    total,
    events,
    eventsPerSecond: events / elapsed,
    etaSeconds: positionsPerSecond > 0 ? Number(total - position) / positionsPerSecond : null,
  };
}
