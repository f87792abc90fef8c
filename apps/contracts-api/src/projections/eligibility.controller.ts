import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { jalaliOfIso } from '@app/contracts-domain';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { CLOCK, type Clock } from '@app/platform';
import { readEligibility } from '@app/projections';
import { CurrentActor, Roles, type Actor } from '../auth';
import { AUTH_PROBLEMS, ApiProblems, CHECKPOINT_HEADER, NATIONAL_CODE_PARAMETER } from '../http/openapi';
import { ProblemException } from '../http/problem';
import { PG_POOL } from '../runtime';
import { Reservations } from '../contracts/reservations';
import { CONTRACT_WAIT_SECONDS, readingYourWrites } from './read-model-response';
import { EligibilityResponse } from './read-models.response';
import { ParseNationalCodePipe } from '../http/validation';

/** Medical-services eligibility read model, for a person on today's Iran day. */
@ApiTags('queries')
@ApiBearerAuth()
@Controller('v1/eligibility')
export class EligibilityController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly reservations: Reservations,
  ) {}

  @Get(':nationalCode')
  @Roles('applicant', 'auditor', 'ops')
  @ApiOperation({
    summary: 'Covered today? Outpatient and inpatient (pending_exam before a required exam), paid through and covered through',
    description:
      `Reads your writes: a contract opened or paid a moment ago is waited for (up to ${CONTRACT_WAIT_SECONDS} s) until the read model has reached the person's contracts; still behind: 503 with \`reason: read_model_behind\` and Retry-After.`,
  })
  @ApiParam({ name: 'nationalCode', ...NATIONAL_CODE_PARAMETER })
  @ApiOkResponse({ type: EligibilityResponse, headers: { 'X-Checkpoint': CHECKPOINT_HEADER } })
  @ApiProblems('VALIDATION_FAILED', ...AUTH_PROBLEMS, 'SERVICE_UNAVAILABLE')
  async eligibility(
    @CurrentActor() actor: Actor,
    @Param('nationalCode', ParseNationalCodePipe) nationalCode: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EligibilityResponse> {
    if (actor.role === 'applicant' && actor.nationalCode !== nationalCode) throw new ProblemException('FORBIDDEN');
    const answer = await readingYourWrites(
      reply,
      this.eventStore,
      () => readEligibility(this.pool, nationalCode, this.clock.now()),
      // Every contract of the person, also one opened too recently for the read model to hold:
      // the reservation stream lists them all.
      async ({ contracts }) => {
        const seen = new Map<string, number | null>(contracts.map(({ contractId, revision }) => [contractId, revision]));
        for (const { contractId } of (await this.reservations.read(nationalCode)).reservations) if (!seen.has(contractId)) seen.set(contractId, null);
        return [...seen].map(([contractId, revision]) => ({ contractId, revision }));
      },
    );
    return {
      nationalCode,
      covered: answer.covered,
      outpatient: answer.outpatient,
      inpatient: answer.inpatient,
      paidThrough: answer.paidThrough,
      paidThroughJalali: jalaliOfIso(answer.paidThrough),
      coveredThrough: answer.coveredThrough,
      coveredThroughJalali: jalaliOfIso(answer.coveredThrough),
      checkpoint: answer.checkpoint.toString(),
    };
  }
}
