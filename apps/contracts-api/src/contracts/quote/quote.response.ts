import { ApiProperty } from '@nestjs/swagger';
import type { ExamRequirement, Quote } from '@app/contracts-domain';
import { RIAL, valuesOf } from '../../http/openapi';
import type { applicantSummary } from '../applicants';

/** The registry's record, for the applicant to review (identity is not editable online). */
export class ApplicantSummaryResponse implements ReturnType<typeof applicantSummary> {
  @ApiProperty()
  nationalCode!: string;

  @ApiProperty()
  firstName!: string;

  @ApiProperty()
  lastName!: string;

  @ApiProperty({ format: 'date' })
  birthDate!: string;

  @ApiProperty({ example: '1370/01/15' })
  birthDateJalali!: string;

  @ApiProperty()
  gender!: string;

  @ApiProperty({ example: '09121234567' })
  mobile!: string;

  @ApiProperty()
  address!: string;

  @ApiProperty()
  branchId!: string;

  @ApiProperty()
  provinceCode!: string;
}

/** What the open command will recompute: confirm premiumRate, wageBasis and startDate back. */
export class QuoteResponse implements Quote {
  @ApiProperty({ type: ApplicantSummaryResponse })
  applicant!: ApplicantSummaryResponse;

  @ApiProperty({ example: 0.27 })
  premiumRate!: number;

  @ApiProperty(RIAL)
  wageBasis!: number;

  @ApiProperty(RIAL)
  monthlyPremium!: number;

  @ApiProperty({ ...RIAL, description: 'Smallest monthly premium allowed, integer rial' })
  minPremium!: number;

  @ApiProperty({ ...RIAL, description: 'Largest monthly premium allowed, integer rial' })
  maxPremium!: number;

  @ApiProperty({ format: 'date' })
  contractDate!: string;

  @ApiProperty({ example: '1405/09/10' })
  contractDateJalali!: string;

  @ApiProperty({ format: 'date' })
  startDate!: string;

  @ApiProperty({ example: '1405/09/10' })
  startDateJalali!: string;

  @ApiProperty({ enum: valuesOf<ExamRequirement>({ exempt: true, required: true }) })
  examRequirement!: ExamRequirement;

  @ApiProperty({ description: 'Send it back as acceptTerms.version' })
  termsVersion!: string;

  @ApiProperty()
  policyVersion!: string;
}
