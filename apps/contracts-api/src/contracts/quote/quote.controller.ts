import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { policyFor, quote } from '@app/contracts-domain';
import { CLOCK, type Clock } from '@app/platform';
import { CurrentActor, Roles, type Actor } from '../../auth';
import { Applicants, applicantSummary } from '../applicants';
import { ApiIdempotencyKey, ApiProblems, COMMAND_PROBLEMS, IDEMPOTENT_REPLAYED_HEADER } from '../../http/openapi';
import { CommandResponder } from '../command-response';
import { quoteScope } from '../idempotency-scope';
import { QuoteRequestDto } from './quote.dto';
import { QuoteResponse } from './quote.response';

@ApiTags('commands')
@ApiBearerAuth()
// Listed with the commands (API.md), so it keeps their promise: a retry with the key gets the first
// price back, even after midnight moved the start date (opening re-checks it: QUOTE_MISMATCH).
@ApiIdempotencyKey('A retry with the same key and body returns the first price, byte for byte with the header Idempotent-Replayed: true')
@Controller('v1/quotes')
export class QuoteController {
  constructor(
    private readonly applicants: Applicants,
    private readonly responder: CommandResponder,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('applicant')
  @ApiOperation({ summary: 'Price a contract for the calling applicant (appends nothing)' })
  @ApiOkResponse({ type: QuoteResponse, headers: { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED_HEADER } })
  // Unknown to the registry: 404. A minor is quoted too: the branch visit is the open command's refusal.
  @ApiProblems(...COMMAND_PROBLEMS, 'NOT_FOUND', 'NOT_ELIGIBLE', 'REGISTRY_DATA_INVALID', 'WAGE_OUT_OF_RANGE')
  async quote(@CurrentActor() actor: Actor, @Body() body: QuoteRequestDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.responder.respond(request, reply, actor, async () => {
      const facts = await this.applicants.facts(actor.nationalCode);
      const now = this.clock.now();
      const priced = quote(facts, body.requestedMonthlyPremium, body.startNextMonth ?? false, now, policyFor(undefined, now));
      return { status: 200, body: { applicant: applicantSummary(facts), ...priced } satisfies QuoteResponse };
    }, { scope: quoteScope(actor) });
  }
}
