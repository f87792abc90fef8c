/** Test support: domain histories as recorded events, and projections applied to them. */
import type { Pool } from 'pg';
import { decide, evolve, policyFor, type ContractCommand, type ContractState } from '@app/contracts-domain';
import type { RecordedEvent } from '@app/event-store';
import { liveSchema, type Projection } from '../projection';
import { commitBatch, createProjectionSchema, readCheckpoint, withTransaction } from '../store';

/** Positions step like the PostgreSQL store's (transaction id << 16 | index): not dense. */
const POSITION_STEP = 1n << 16n;

/** Builds contract histories by running real commands, recording them as the store would. */
export class History {
  readonly events: RecordedEvent[] = [];
  private readonly states = new Map<string, { state: ContractState | undefined; revision: number }>();
  private transaction = 7n;

  /** Decides `command` on the contract at `now` and records what it yields (throws a refusal). */
  run(contractId: string, command: ContractCommand, now: string): RecordedEvent[] {
    const current = this.states.get(contractId) ?? { state: undefined, revision: -1 };
    const at = new Date(now);
    const decided = decide(command, current.state, at, policyFor(current.state, at));
    this.transaction += 3n;
    const recorded = decided.map((event, index): RecordedEvent => {
      const id = `${contractId.slice(0, 24)}${String(this.events.length + index).padStart(12, '0')}`;
      return {
        id,
        streamId: `contract-${contractId}`,
        revision: current.revision + 1 + index,
        position: this.transaction * POSITION_STEP + BigInt(index + 1),
        type: event.type,
        version: event.version,
        data: event.data as unknown as Record<string, unknown>,
        metadata: { eventId: id, correlationId: id, actor: { sub: 'test', role: 'test' }, channel: 'test', occurredAt: at.toISOString() },
        recordedAt: at,
      };
    });
    this.states.set(contractId, {
      state: decided.reduce<ContractState | undefined>(evolve, current.state),
      revision: current.revision + decided.length,
    });
    this.events.push(...recorded);
    return recorded;
  }

  /** The contract's whole state after the events run so far (what the aggregate holds). */
  stateOf(contractId: string): ContractState | undefined {
    return this.states.get(contractId)?.state;
  }

  /** An event of another kind of stream, which projections must skip. */
  other(streamId: string, type: string): RecordedEvent {
    this.transaction += 3n;
    const id = `ffffffff-0000-4000-8000-${String(this.events.length).padStart(12, '0')}`;
    const event: RecordedEvent = {
      id,
      streamId,
      revision: 0,
      position: this.transaction * POSITION_STEP + 1n,
      type,
      version: 1,
      data: {},
      metadata: { eventId: id, correlationId: id, actor: { sub: 'test', role: 'test' }, channel: 'test', occurredAt: new Date(0).toISOString() },
      recordedAt: new Date(0),
    };
    this.events.push(event);
    return event;
  }
}

/** Applies events to the projection's live schema (created on first use), in batches of `batchSize`. */
export async function project(pool: Pool, projection: Projection, events: readonly RecordedEvent[], batchSize = 500): Promise<void> {
  const schema = liveSchema(projection.name);
  if (!(await readCheckpoint(pool, schema))) await withTransaction(pool, (tx) => createProjectionSchema(tx, projection, schema));
  let position = (await readCheckpoint(pool, schema))!.position;
  const fresh = events.filter((event) => event.position > position);
  for (let i = 0; i < fresh.length; i += batchSize) {
    const batch = fresh.slice(i, i + batchSize);
    position = await commitBatch(pool, projection, schema, batch, position);
  }
}

/** Every row of every table in a schema, ordered, as JSON text: to compare two schemas row for row. */
export async function dumpSchema(pool: Pool, schema: string): Promise<Record<string, string[]>> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
    [schema],
  );
  const dump: Record<string, string[]> = {};
  for (const { table_name } of tables) {
    const { rows } = await pool.query<{ row: string }>(`SELECT t::text AS row FROM ${schema}.${table_name} t ORDER BY 1`);
    dump[table_name] = rows.map((r) => r.row);
  }
  return dump;
}
