import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { contractStream } from '@app/contracts-app';
import type { EventStore, RecordedEvent } from '@app/event-store';
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
export const CONTRACT_WAIT_SECONDS = 2;
/** Between looks at the read model: from the first, doubled up to the last (12 looks in 2 s, not 80). */
const POLL_MS = { first: 25, last: 250 };

/** A contract an answer is about, and the revision of it the read model had reached (null: none). */
export interface ContractSeen {
  contractId: string;
  revision: number | null;
}

/**
 * A read model's answer, reading your writes: when the streams of the contracts it is about have
 * events beyond what it saw (a contract opened, or paid, a moment ago), waits until the read
 * model's checkpoint passes the last of them, at most CONTRACT_WAIT_SECONDS; still behind, 503
 * `read_model_behind` (with Retry-After). `mayWait` sees those newer events and may decline (a
 * caller who may not read the contract is answered at once, as if nothing were there). Costs one
 * read of each stream's newer events, usually none.
 */
export async function readingYourWrites<T extends { checkpoint: bigint }>(
  reply: FastifyReply,
  eventStore: EventStore,
  read: () => Promise<T>,
  seen: (answer: T) => ContractSeen[] | Promise<ContractSeen[]>,
  mayWait: (newer: RecordedEvent[], answer: T) => boolean = () => true,
): Promise<T> {
  let answer = await fromReadModel(reply, read);
  const streams = await Promise.all(
    (await seen(answer)).map(({ contractId, revision }) => eventStore.readStream(contractStream(contractId), { fromRevision: (revision ?? -1) + 1 })),
  );
  const newer = streams.flat();
  if (newer.length === 0 || !mayWait(newer, answer)) return answer;
  const target = newer.reduce((max, event) => (event.position > max ? event.position : max), 0n);
  const giveUpAt = performance.now() + CONTRACT_WAIT_SECONDS * 1000;
  for (let pause = POLL_MS.first; answer.checkpoint < target; pause = Math.min(pause * 2, POLL_MS.last)) {
    const left = giveUpAt - performance.now();
    if (left <= 0) throw new ProblemException('SERVICE_UNAVAILABLE', { reason: 'read_model_behind' });
    await sleep(Math.min(pause, left));
    answer = await fromReadModel(reply, read);
  }
  return answer;
}
