import type { Migration } from '@app/platform';

/**
 * Positions are made from the appending transaction's id, so that global order is commit-safe:
 *
 *   position = (xid + xid_offset) << 16 | index of the event in its append (1..65535)
 *
 * A reader only returns positions below (oldest running xid + xid_offset) << 16. Every
 * transaction that could still commit an event there has an xid below that, so it has ended:
 * what a reader sees up to a position never changes afterwards (no sequence gaps to skip), and
 * positions still grow in the order readers can see them. `xid_offset` is 0 unless the data was
 * restored into a cluster whose xid counter is behind the stored positions (see the adapter).
 */
export const EVENT_STORE_MIGRATIONS: Migration[] = [
  {
    id: '001_events',
    sql: `
      CREATE TABLE events (
        position    BIGINT      PRIMARY KEY,
        stream_id   TEXT        NOT NULL,
        revision    INTEGER     NOT NULL,
        event_id    UUID        NOT NULL,
        type        TEXT        NOT NULL,
        version     INTEGER     NOT NULL,
        data        JSONB       NOT NULL,
        metadata    JSONB       NOT NULL,
        occurred_at TIMESTAMPTZ NOT NULL, -- metadata.occurredAt, for auditors' "as of" reads
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_revision UNIQUE (stream_id, revision),
        CONSTRAINT events_event_id UNIQUE (event_id)
      );

      CREATE TABLE event_position_base (
        singleton  BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
        xid_offset BIGINT  NOT NULL DEFAULT 0
      );
      INSERT INTO event_position_base DEFAULT VALUES;
    `,
  },
];
