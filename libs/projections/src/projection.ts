import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@app/event-store';

/**
 * A read model. Its tables live in a PostgreSQL schema of their own (`liveSchema(name)`), beside
 * a one-row `checkpoint`, so the runner can commit rows and checkpoint together and a rebuild can
 * fill a fresh schema and swap it in.
 */
export interface Projection {
  /** Lowercase letters and underscores: it names the schema. */
  readonly name: string;
  /**
   * Bumped when the tables or the meaning of `apply` change. Tables are never migrated in place:
   * a new version is replayed from position 0 into fresh tables and swapped in.
   */
  readonly version: number;
  /** DDL creating the tables, with unqualified names (it runs with the schema as search_path). */
  readonly tables: readonly string[];
  handles(eventType: string): boolean;
  /**
   * Applies a batch (global order, only handled types) inside the runner's transaction, whose
   * search_path is the projection's schema. Must give the same rows whatever the batch boundaries.
   */
  apply(tx: PoolClient, events: readonly RecordedEvent[]): Promise<void>;
}

const NAME = /^[a-z][a-z_]*$/;

/** The schema queries read from. */
export function liveSchema(name: string): string {
  if (!NAME.test(name)) throw new Error(`projection name must match ${NAME}: ${name}`);
  return `projection_${name}`;
}
