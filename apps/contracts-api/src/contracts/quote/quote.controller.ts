import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { policyFor, quote } from '@app/contracts-domain';
import { CLOCK, type Clock } from '@app/platform';
import { CurrentActor, Roles, type Actor } from '../../auth';
import { Applicants, applicantSummary } from '../applicants';
import { QuoteRequestDto } from './quote.dto';

@ApiTags('commands')
@ApiBearerAuth()
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
  async quote(@CurrentActor() actor: Actor, @Body() body: QuoteRequestDto) {
    const facts = await this.applicants.facts(actor.nationalCode);
    const now = this.clock.now();
    const priced = quote(facts, body.requestedMonthlyPremium, body.startNextMonth ?? false, now, policyFor(undefined, now));
    return { applicant: applicantSummary(facts), ...priced };
  }
}
