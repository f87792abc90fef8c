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
  // Built by appending rather than with entries/map/join: it runs over every event's document.
  if (Array.isArray(value)) {
    let json = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      json += `${i > 0 ? ',' : ''}${item === undefined ? 'null' : canonicalJson(item)}`;
    }
    return `${json}]`;
  }
  const record = value as Record<string, unknown>;
  // Default sort order is by UTF-16 code units, as `<` compares strings.
  let json = '';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item !== undefined) json += `,${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `{${json.slice(1)}}`;
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
