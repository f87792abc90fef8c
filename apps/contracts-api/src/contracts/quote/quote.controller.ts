import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { policyFor, quote } from '@app/contracts-domain';
import { CLOCK, type Clock } from '@app/platform';
import { CurrentActor, Roles, type Actor } from '../../auth';
import { Applicants, applicantSummary } from '../applicants';
import { AUTH_PROBLEMS, ApiProblems, BODY_PROBLEMS } from '../../http/openapi';
import { QuoteRequestDto } from './quote.dto';
import { QuoteResponse } from './quote.response';

@ApiTags('commands')
@ApiBearerAuth()
// Not read at all (any value passes): the quote is a read that happens to take a body.
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Ignored, whatever its value: a quote appends nothing, so a repeat just prices again', schema: { type: 'string' } })
@Controller('v1/quotes')
export class QuoteController {
  constructor(
    private readonly applicants: Applicants,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(200)
  @Roles('applicant')
  @ApiOperation({ summary: 'Price a contract for the calling applicant (appends nothing)' })
  @ApiOkResponse({ type: QuoteResponse })
  // Unknown to the registry: 404. A minor is quoted too: the branch visit is the open command's refusal.
  @ApiProblems(...BODY_PROBLEMS, ...AUTH_PROBLEMS, 'NOT_FOUND', 'NOT_ELIGIBLE', 'WAGE_OUT_OF_RANGE')
  async quote(@CurrentActor() actor: Actor, @Body() body: QuoteRequestDto): Promise<QuoteResponse> {
    const facts = await this.applicants.facts(actor.nationalCode);
    const now = this.clock.now();
    const priced = quote(facts, body.requestedMonthlyPremium, body.startNextMonth ?? false, now, policyFor(undefined, now));
    return { applicant: applicantSummary(facts), ...priced };
  }
}
