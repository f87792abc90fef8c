import { hash } from 'node:crypto';
import type { RecordedEvent } from '@app/event-store';
import { canonicalJson } from '@app/platform';

/** The `prevHash` of the first event: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

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

/**
 * hash = sha256(prevHash ‖ canonical JSON of the event and its metadata), lowercase hex. The
 * document's top level is written in its sorted key order here rather than built as an object
 * and sorted (a test holds it to `canonicalJson(hashedDocument(event))`), and hashed in one call:
 * every event of a catch-up or rebuild goes through it (tuning log, session 20).
 */
export function chainHash(prevHash: string, event: RecordedEvent): string {
  const document =
    `{"data":${canonicalJson(event.data)},"id":${canonicalJson(event.id)},"metadata":${canonicalJson(event.metadata)},` +
    `"position":"${event.position}","recordedAt":"${event.recordedAt.toISOString()}","revision":${event.revision},` +
    `"streamId":${canonicalJson(event.streamId)},"type":${canonicalJson(event.type)},"version":${event.version}}`;
  return hash('sha256', prevHash + document, 'hex');
}
