import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { fold } from '@app/contracts-app';
import { jalaliOfIso, type ContractSummary } from '@app/contracts-domain';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { CLOCK, type Clock } from '@app/platform';
import { readSlips } from '@app/projections';
import { CurrentActor, Roles, type Actor } from '../auth';
import { canRead } from '../contracts/access';
import { AUTH_PROBLEMS, ApiProblems, CHECKPOINT_HEADER } from '../http/openapi';
import { ProblemException } from '../http/problem';
import { PG_POOL } from '../runtime';
import { CONTRACT_WAIT_SECONDS, readingYourWrites } from './read-model-response';
import { SlipsResponse } from './read-models.response';
import { ParseIdPipe } from '../http/validation';

/** Billing read model: the contract's slips as of today (Iran day, by the service clock). */
@ApiTags('queries')
@ApiBearerAuth()
@Controller('v1/contracts')
export class SlipsController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Get(':id/slips')
  @Roles('applicant', 'branch_officer', 'bank', 'auditor')
  @ApiOperation({
    summary: 'Payment slips per Jalali period (open, paid, blocked, void), from the billing read model',
    description:
      `Reads your writes: a contract opened or paid a moment ago is waited for (up to ${CONTRACT_WAIT_SECONDS} s) until the read model has reached it; still behind: 503 with \`reason: read_model_behind\` and Retry-After.`,
  })
  @ApiOkResponse({ type: SlipsResponse, headers: { 'X-Checkpoint': CHECKPOINT_HEADER } })
  @ApiProblems('VALIDATION_FAILED', ...AUTH_PROBLEMS, 'NOT_FOUND', 'SERVICE_UNAVAILABLE')
  async slips(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SlipsResponse> {
    // Banks pay any contract's slips; everyone else as for the contract itself. Unknown and
    // not-yours look alike (404), also in how long they take: not-yours is never waited for.
    const mayRead = (state: ContractSummary | undefined) => state !== undefined && (actor.role === 'bank' || canRead(actor, state));
    const { checkpoint, contract } = await readingYourWrites(
      reply,
      this.eventStore,
      () => readSlips(this.pool, id, this.clock.now()),
      (answer) => [{ contractId: id, revision: answer.contract?.revision ?? null }],
      // Not in the read model yet: the newer events are the whole stream, which says whose it is.
      (newer, answer) => mayRead(answer.contract?.state ?? fold(newer)),
    );
    if (!contract || !mayRead(contract.state)) throw new ProblemException('NOT_FOUND');
    return {
      contractId: id,
      checkpoint: checkpoint.toString(),
      items: contract.slips.map((slip) => ({ ...slip, dueDateJalali: jalaliOfIso(slip.dueDate) })),
    };
  }
}
