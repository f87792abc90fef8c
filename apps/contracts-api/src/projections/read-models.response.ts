import { ApiProperty } from '@nestjs/swagger';
import type { InpatientCover, SlipStatus } from '@app/contracts-domain';
import { RIAL, valuesOf } from '../http/openapi';

class SlipResponse {
  @ApiProperty({ example: '1405-09', description: 'Jalali month YYYY-MM' })
  period!: string;

  @ApiProperty({ example: '1405/09' })
  periodJalali!: string;

  @ApiProperty(RIAL)
  amount!: number;

  @ApiProperty({ format: 'date', description: 'The first period by the payment deadline; later ones by the end of their month' })
  dueDate!: string;

  @ApiProperty({ example: '1405/09/30' })
  dueDateJalali!: string;

  @ApiProperty({ enum: valuesOf<SlipStatus>({ open: true, paid: true, blocked: true, void: true }) })
  status!: SlipStatus;
}

export class SlipsResponse {
  @ApiProperty({ format: 'uuid' })
  contractId!: string;

  @ApiProperty({ description: 'Position of the last event the read model includes' })
  checkpoint!: string;

  @ApiProperty({ type: [SlipResponse], description: 'Paid periods, then every unpaid one up to this month, and always at least the next one to pay' })
  items!: SlipResponse[];
}

export class EligibilityResponse {
  @ApiProperty()
  nationalCode!: string;

  @ApiProperty({ description: 'Covered today by any contract' })
  covered!: boolean;

  @ApiProperty()
  outpatient!: boolean;

  @ApiProperty({ enum: valuesOf<InpatientCover>({ covered: true, pending_exam: true, not_covered: true }) })
  inpatient!: InpatientCover;

  @ApiProperty({ type: String, format: 'date', nullable: true })
  paidThrough!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '1405/09/30' })
  paidThroughJalali!: string | null;

  @ApiProperty({
    type: String,
    format: 'date',
    nullable: true,
    description:
      'The last day covered as things stand: cover runs from the first confirmed payment while no premium is overdue, so through the due date of the next premium (the end of its month) while it can still be paid, and no later than the deadline of a required exam not yet passed; else through paidThrough',
  })
  coveredThrough!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '1405/10/30' })
  coveredThroughJalali!: string | null;

  @ApiProperty({ description: 'Position of the last event the read model includes' })
  checkpoint!: string;
}
