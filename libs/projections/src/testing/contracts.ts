/** Test support: real contracts appended through ContractStreams. */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ContractStreams, type CommandContext } from '@app/contracts-app';
import type { EventStore } from '@app/event-store';
import { ManualClock } from '@app/platform';
import { CONTRACT_NOW, openOnline, pay } from '../../../contracts-domain/src/testing/fixtures';

export const context = (): CommandContext => ({
  actor: { sub: 'test', role: 'applicant' },
  channel: 'online',
  correlationId: randomUUID(),
  commandId: randomUUID(),
});

/** Opens `count` contracts (every other one paid): two or one events each. */
export async function appendContracts(eventStore: EventStore, count: number): Promise<string[]> {
  const streams = new ContractStreams(eventStore, new ManualClock(new Date(CONTRACT_NOW)));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const contractId = randomUUID();
    await streams.execute(contractId, openOnline({ contractId, contractNumber: String(1405_000_000 + i) }), context());
    if (i % 2 === 0) await streams.execute(contractId, pay(1, { bankReference: `BR-${contractId}` }), context());
    ids.push(contractId);
  }
  return ids;
}

/**
 * The last position and count in the PostgreSQL store's table. Not readAll: a reader sees an
 * event only once every older transaction in the whole server has ended, and other spec files
 * share this server, so the visible head may lag behind what was appended.
 */
export async function storedEvents(pool: Pool): Promise<{ last: bigint; count: number }> {
  const { rows } = await pool.query<{ last: bigint; count: number }>('SELECT max(position) AS last, count(*)::int AS count FROM events');
  return rows[0]!;
}
