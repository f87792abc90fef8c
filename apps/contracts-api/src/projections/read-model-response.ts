import type { FastifyReply } from 'fastify';
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
