import type { Pool } from 'pg';
import type { EventStore, RecordedEvent } from '@app/event-store';
import { queryReadModel } from '../read-model';
import { auditChainProjection } from './audit-chain.projection';
import { auditHeadSql, headOf, type AuditHead } from './audit-head';
import { GENESIS_HASH, hashedDocument } from './chain-hash';

export interface ChainLink {
  position: bigint;
  prevHash: string;
  hash: string;
}

const NAME = auditChainProjection.name;

/** The chain's checkpoint: every event at or below it has its link. */
export async function chainCheckpoint(pool: Pool): Promise<bigint> {
  const rows = await queryReadModel<{ checkpoint: bigint }>(pool, NAME, 'SELECT {checkpoint} AS checkpoint', []);
  return rows[0]!.checkpoint;
}

/** Links after `fromPosition` (exclusive) up to `toPosition` (inclusive), in order. */
export async function readChainLinks(pool: Pool, fromPosition: bigint, toPosition: bigint, limit: number): Promise<ChainLink[]> {
  const rows = await queryReadModel<{ position: bigint; prev_hash: string; hash: string }>(
    pool,
    NAME,
    'SELECT position, prev_hash, hash FROM {schema}.chain WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3',
    [fromPosition, toPosition, limit],
  );
  return rows.map((row) => ({ position: row.position, prevHash: row.prev_hash, hash: row.hash }));
}

/** The last link at or before `position` (the genesis when there is none): where a chain walk starts. */
export async function linkAtOrBefore(pool: Pool, position: bigint): Promise<{ position: bigint; hash: string }> {
  const rows = await queryReadModel<{ position: bigint; hash: string }>(
    pool,
    NAME,
    'SELECT position, hash FROM {schema}.chain WHERE position <= $1 ORDER BY position DESC LIMIT 1',
    [position],
  );
  return rows[0] ?? { position: 0n, hash: GENESIS_HASH };
}

export async function readAuditHead(pool: Pool): Promise<AuditHead> {
  const rows = await queryReadModel<{ checkpoint: bigint; position: bigint | null; hash: string | null }>(pool, NAME, auditHeadSql('{schema}.chain', '{checkpoint}'), []);
  return headOf(rows[0]!);
}

/** One position of the merged walk: the stored event, its link, or both (tampering leaves one alone). */
export interface ChainStep {
  position: bigint;
  event?: RecordedEvent;
  link?: ChainLink;
}

/**
 * Walks events and links side by side in global order, after `fromPosition`, up to the chain's
 * checkpoint (later events have no link yet), a page of each at a time.
 */
export async function* walkChain(pool: Pool, eventStore: EventStore, fromPosition: bigint, pageSize = 1000): AsyncGenerator<ChainStep> {
  const checkpoint = await chainCheckpoint(pool);
  let cursor = fromPosition;
  while (cursor < checkpoint) {
    const [events, links] = await Promise.all([
      eventStore.readAll({ fromPosition: cursor, limit: pageSize }),
      readChainLinks(pool, cursor, checkpoint, pageSize),
    ]);
    // A full page may stop short of the other's positions: merge only what both pages cover.
    let upper = checkpoint;
    if (events.length === pageSize && events[events.length - 1]!.position < upper) upper = events[events.length - 1]!.position;
    if (links.length === pageSize && links[links.length - 1]!.position < upper) upper = links[links.length - 1]!.position;
    const steps = new Map<bigint, ChainStep>();
    for (const event of events) if (event.position <= upper) steps.set(event.position, { position: event.position, event });
    for (const link of links) if (link.position <= upper) steps.set(link.position, { ...steps.get(link.position), position: link.position, link });
    for (const position of [...steps.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) yield steps.get(position)!;
    cursor = upper;
  }
}

/** One NDJSON row of the audit export: the hashed document with its link. */
export function auditRow(step: ChainStep) {
  const link = { prevHash: step.link?.prevHash ?? null, hash: step.link?.hash ?? null };
  if (!step.event) return { position: step.position.toString(), missing: 'event', ...link };
  return { ...hashedDocument(step.event), ...link };
}
