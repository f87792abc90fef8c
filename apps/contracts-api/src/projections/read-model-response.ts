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

/** Longest a query waits for its read model to reach a contract that exists (one opened a moment ago). */
export const CONTRACT_WAIT_MS = 2_000;
const CONTRACT_WAIT_POLL_MS = 25;

/**
 * One contract's read-model answer, read-your-writes: a contract the read model has not reached
 * but whose stream has events (opened a moment ago) is waited for until the checkpoint passes its
 * last event, at most CONTRACT_WAIT_MS; still behind, 503 `read_model_behind` (with Retry-After).
 * A contract without events is answered as read: missing, the caller's 404.
 */
export async function contractFromReadModel<T extends { checkpoint: bigint; contract?: unknown }>(
  reply: FastifyReply,
  eventStore: EventStore,
  contractId: string,
  read: () => Promise<T>,
): Promise<T> {
  let answer = await fromReadModel(reply, read);
  if (answer.contract) return answer;
  const last = (await eventStore.readStream(contractStream(contractId))).at(-1);
  if (!last) return answer;
  const giveUpAt = performance.now() + CONTRACT_WAIT_MS;
  while (!answer.contract && answer.checkpoint < last.position) {
    if (performance.now() >= giveUpAt) throw new ProblemException('SERVICE_UNAVAILABLE', { reason: 'read_model_behind' });
    await sleep(CONTRACT_WAIT_POLL_MS);
    answer = await fromReadModel(reply, read);
  }
  return answer;
}
