import { createHash } from 'node:crypto';
import type { RecordedEvent } from '@app/event-store';

/** The `prevHash` of the first event: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted (recursively) and no whitespace, so the same event always gives
 * the same bytes however its JSONB was stored or its keys were ordered when read back.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** What the hash covers: the whole event as stored, metadata included (position as a decimal string). */
export function hashedDocument(event: RecordedEvent) {
  return {
    id: event.id,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position.toString(),
    type: event.type,
    version: event.version,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  };
}

/** hash = sha256(prevHash ‖ canonical JSON of the event and its metadata), lowercase hex. */
export function chainHash(prevHash: string, event: RecordedEvent): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(hashedDocument(event))).digest('hex');
}
