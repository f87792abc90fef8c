import { unstorableTextAt } from '@app/platform';
import { ConcurrencyError, type AppendResult, type ExpectedRevision, type NewEvent } from './port';

/**
 * Rejects batches no adapter should store: empty ones, ones repeating an event id, and ones with
 * text PostgreSQL cannot keep (so events stay movable between stores, and in PostgreSQL one such
 * event cannot fail the other appends committed in its group).
 */
export function assertAppendable(streamId: string, events: readonly NewEvent[]): void {
  if (events.length === 0) throw new Error(`Append to ${streamId}: no events`);
  const ids = new Set(events.map((event) => event.id));
  if (ids.size !== events.length) throw new Error(`Append to ${streamId}: an event id appears twice in one batch`);
  for (const event of events) {
    const at = unstorableTextAt({ data: event.data, metadata: event.metadata });
    if (at !== undefined) throw new Error(`Append to ${streamId}: event ${event.id} has a NUL or an unpaired surrogate at ${at}`);
    // Stored as a timestamp beside the event (auditors' "as of"): one the database cannot read
    // would fail every append of its group commit, not only this one.
    if (!isIsoInstant(event.metadata.occurredAt)) throw new Error(`Append to ${streamId}: event ${event.id}: metadata.occurredAt must be an ISO-8601 instant`);
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** As the domain's `isIsoInstant` (which this layer may not import): Date rolls 2026-02-30 over into March, so the day is checked. */
function isIsoInstant(value: unknown): boolean {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) return false;
  const day = value.slice(0, 10);
  return new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);
}

/** Where an event id of the batch is already stored. */
export interface StoredId {
  id: string;
  streamId: string;
  revision: number;
  position: bigint;
}

/**
 * Decides what an append means when some of its event ids are already stored. All of them in
 * this stream: a retry of an append that succeeded, so nothing is written. Only some: not the
 * same append, so a conflict. In another stream: the ids were not derived per stream, a bug.
 * Returns undefined when none is stored: the append is new.
 */
export function retriedAppend(
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  stored: readonly StoredId[],
  actual: number | 'no_stream',
): AppendResult | undefined {
  if (stored.length === 0) return undefined;
  const elsewhere = stored.find((event) => event.streamId !== streamId);
  if (elsewhere) throw new Error(`Event ${elsewhere.id} is already stored in stream ${elsewhere.streamId}, not ${streamId}`);
  if (stored.length !== events.length) throw new ConcurrencyError(streamId, expected, actual);
  const last = stored.reduce((latest, event) => (event.revision > latest.revision ? event : latest));
  return { nextRevision: last.revision, position: last.position, written: false };
}

/** Whether a stream whose last revision is `actual` is what the writer expected. */
export function meetsExpectation(expected: ExpectedRevision, actual: number | 'no_stream'): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return actual === expected;
  }
}
