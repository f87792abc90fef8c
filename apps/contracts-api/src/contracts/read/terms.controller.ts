import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { jalaliOfIso, policyFor } from '@app/contracts-domain';
import { CLOCK, type Clock } from '@app/platform';
import { ApiProblems } from '../../http/openapi';

export class TermsResponse {
  @ApiProperty({ description: 'Send it back as acceptTerms.version' })
  version!: string;

  @ApiProperty({ format: 'date' })
  effectiveFrom!: string;

  @ApiProperty({ example: '1403/01/01' })
  effectiveFromJalali!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ description: 'The regulation text in Persian' })
  textFa!: string;
}

@ApiTags('queries')
@ApiBearerAuth()
@Controller('v1/terms')
export class TermsController {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  @Get()
  @ApiOperation({ summary: 'The regulation in force today: what the applicant reads and accepts' })
  @ApiOkResponse({ type: TermsResponse })
  @ApiProblems('UNAUTHENTICATED') // any role may read it
  terms(): TermsResponse {
    const { version, effectiveFrom, title, textFa } = policyFor(undefined, this.clock.now()).terms;
    return { version, effectiveFrom, effectiveFromJalali: jalaliOfIso(effectiveFrom), title, textFa };
  }
}
