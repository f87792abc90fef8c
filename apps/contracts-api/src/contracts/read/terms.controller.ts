import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { policyFor } from '@app/contracts-domain';
import { CLOCK, type Clock } from '@app/platform';

@ApiTags('queries')
@ApiBearerAuth()
@Controller('v1/terms')
export class TermsController {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  @Get()
  @ApiOperation({ summary: 'The regulation in force today: what the applicant reads and accepts' })
  terms() {
    const { version, effectiveFrom, title, textFa } = policyFor(undefined, this.clock.now()).terms;
    return { version, effectiveFrom, title, textFa };
  }
}
