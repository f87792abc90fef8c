import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { contractStream } from '@app/contracts-app';
import type { EventStore } from '@app/event-store';
import { ReadModelNotReady } from '@app/projections';
import { ProblemException } from '../http/problem';

/**
 * Read models are eventually consistent: every answer carries the position of the last event the
 * read model included, in the body (`checkpoint`) and in `X-Checkpoint`. A client that has just
 * written (its event's position is in `GET /v1/contracts/{id}/events`) can wait for it.
 */
export async function fromReadModel<T extends { checkpoint: bigint }>(reply: FastifyReply, read: () => Promise<T>): Promise<T> {
  try {
    const answer = await read();
    reply.header('X-Checkpoint', answer.checkpoint.toString());
    return answer;
  } catch (error) {
    if (error instanceof ReadModelNotReady) throw new ProblemException('SERVICE_UNAVAILABLE');
    throw error;
  }
}

/** Longest a query waits for its read model to reach what a contract's stream already has. */
export const CONTRACT_WAIT_MS = 2_000;
const CONTRACT_WAIT_POLL_MS = 25;

/** What a read model's answer holds of one contract: the revision it has reached (null: none of it). */
export interface ContractSeen {
  contractId: string;
  revision: number | null;
}

/**
 * A read model's answer about one contract, reading your writes: when the contract's stream has
 * events beyond what the answer saw (a contract opened, or paid, a moment ago), waits until the
 * read model's checkpoint passes the last of them, at most CONTRACT_WAIT_MS; still behind, 503
 * `read_model_behind` (with Retry-After). Costs one read of the stream's newer events, usually none.
 */
export async function readingYourWrites<T extends { checkpoint: bigint }>(
  reply: FastifyReply,
  eventStore: EventStore,
  read: () => Promise<T>,
  seen: (answer: T) => ContractSeen | null,
): Promise<T> {
  let answer = await fromReadModel(reply, read);
  const contract = seen(answer);
  if (!contract) return answer;
  const newer = await eventStore.readStream(contractStream(contract.contractId), { fromRevision: (contract.revision ?? -1) + 1 });
  const last = newer.at(-1);
  if (!last) return answer;
  const giveUpAt = performance.now() + CONTRACT_WAIT_MS;
  while (answer.checkpoint < last.position) {
    if (performance.now() >= giveUpAt) throw new ProblemException('SERVICE_UNAVAILABLE', { reason: 'read_model_behind' });
    await sleep(CONTRACT_WAIT_POLL_MS);
    answer = await fromReadModel(reply, read);
  }
  return answer;
}
