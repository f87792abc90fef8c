import { ApiProperty } from '@nestjs/swagger';
import type { Channel, ContractStatus, ContractView, ExamOutcome, ExamRequirement, ExamResult, ExamStatus } from '@app/contracts-domain';
import { RIAL, valuesOf } from '../http/openapi';

const DATE = { type: String, format: 'date', example: '2026-12-01' } as const;
const JALALI = { type: String, example: '1405/09/10' } as const;

/** The medical exam as the contract view shows it. */
export class ExamViewResponse implements Readonly<ContractView['exam']> {
  @ApiProperty({ enum: valuesOf<ExamRequirement>({ exempt: true, required: true }) })
  requirement!: ExamRequirement;

  @ApiProperty({
    enum: valuesOf<ExamStatus>({ not_required: true, pending: true, referred: true, passed: true, failed: true, overdue: true, cleared: true }),
  })
  status!: ExamStatus;

  @ApiProperty({ ...DATE, nullable: true, description: 'Last day to be examined; null when exempt' })
  deadline!: string | null;

  @ApiProperty({ ...JALALI, nullable: true })
  deadlineJalali!: string | null;

  @ApiProperty({ type: String, nullable: true })
  referralNumber!: string | null;

  // OpenAPI 3.0: `nullable` does not widen an `enum`, so null is listed among the values too.
  @ApiProperty({ type: String, enum: [...valuesOf<ExamResult>({ passed: true, failed: true }), null], nullable: true })
  result!: ExamResult | null;

  @ApiProperty({ type: String, enum: [...valuesOf<ExamOutcome>({ cleared: true, rejected: true }), null], nullable: true, description: "The branch's determination" })
  determination!: ExamOutcome | null;
}

/** `contractView` (libs/contracts-domain/src/view.ts): what every contract command and read answers. */
export class ContractViewResponse implements ContractView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: '1405000001' })
  contractNumber!: string;

  @ApiProperty(DATE)
  contractDate!: string;

  @ApiProperty(JALALI)
  contractDateJalali!: string;

  @ApiProperty()
  nationalCode!: string;

  @ApiProperty({ enum: valuesOf<Channel>({ online: true, branch: true }) })
  channel!: Channel;

  @ApiProperty()
  branchId!: string;

  @ApiProperty({
    enum: valuesOf<ContractStatus>({ awaiting_payment: true, active: true, payments_blocked: true, lapsed: true, cancelled: true, terminated: true }),
  })
  status!: ContractStatus;

  @ApiProperty({ example: 0.27 })
  premiumRate!: number;

  @ApiProperty(RIAL)
  wageBasis!: number;

  @ApiProperty(RIAL)
  monthlyPremium!: number;

  @ApiProperty(DATE)
  startDate!: string;

  @ApiProperty(JALALI)
  startDateJalali!: string;

  @ApiProperty({ ...DATE, description: 'Last day for the first payment' })
  paymentDeadline!: string;

  @ApiProperty(JALALI)
  paymentDeadlineJalali!: string;

  @ApiProperty({ ...DATE, nullable: true, description: 'The last day of the last paid month; null before the first payment (cover may run further: GET /v1/eligibility, coveredThrough)' })
  paidThrough!: string | null;

  @ApiProperty({ ...JALALI, nullable: true })
  paidThroughJalali!: string | null;

  @ApiProperty({ type: ExamViewResponse })
  exam!: ExamViewResponse;

  @ApiProperty({ type: 'integer', description: '0-based stream revision; also the ETag' })
  revision!: number;
}
