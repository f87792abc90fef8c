import { createHash } from 'node:crypto';
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

/** hash = sha256(prevHash ‖ canonical JSON of the event and its metadata), lowercase hex. */
export function chainHash(prevHash: string, event: RecordedEvent): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(hashedDocument(event))).digest('hex');
}
