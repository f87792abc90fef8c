import { ApiProperty } from '@nestjs/swagger';
import type { ContractStatus } from '@app/contracts-domain';

const INTEGER = { type: 'integer' } as const;

class StatusCounts implements Record<ContractStatus, number> {
  @ApiProperty(INTEGER)
  awaiting_payment!: number;

  @ApiProperty(INTEGER)
  active!: number;

  @ApiProperty(INTEGER)
  payments_blocked!: number;

  @ApiProperty(INTEGER)
  lapsed!: number;

  @ApiProperty(INTEGER)
  cancelled!: number;

  @ApiProperty(INTEGER)
  terminated!: number;
}

class ChannelCounts {
  @ApiProperty(INTEGER)
  online!: number;

  @ApiProperty(INTEGER)
  branch!: number;
}

/** DashboardCounts (libs/projections) plus SMS failures. */
class DashboardCountsResponse {
  @ApiProperty(INTEGER)
  contracts!: number;

  @ApiProperty({ type: StatusCounts })
  byStatus!: StatusCounts;

  @ApiProperty({ type: ChannelCounts })
  byChannel!: ChannelCounts;

  @ApiProperty(INTEGER)
  openedToday!: number;

  @ApiProperty({ ...INTEGER, description: 'Opened in the Jalali month `month`' })
  openedThisMonth!: number;

  @ApiProperty({ ...INTEGER, description: 'Exams required and not settled: pending, referred, or failed awaiting the branch' })
  examsPending!: number;

  @ApiProperty(INTEGER)
  examsOverdue!: number;

  @ApiProperty({ ...INTEGER, description: 'First payments due within 5 days' })
  firstPaymentsDueSoon!: number;

  @ApiProperty(INTEGER)
  lapses!: number;

  @ApiProperty({ ...INTEGER, nullable: true, description: 'Over all time; null when the SMS outbox is not available' })
  smsFailures!: number | null;
}

class ProvinceCountsResponse extends DashboardCountsResponse {
  @ApiProperty()
  provinceCode!: string;
}

class BranchCountsResponse extends ProvinceCountsResponse {
  @ApiProperty()
  branchId!: string;
}

class DashboardFiltersResponse {
  @ApiProperty({ type: String, nullable: true })
  province!: string | null;

  @ApiProperty({ type: String, nullable: true })
  branch!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '1405-09' })
  period!: string | null;
}

class OpenedOnDayResponse {
  @ApiProperty({ format: 'date' })
  date!: string;

  @ApiProperty()
  dateJalali!: string;

  @ApiProperty(INTEGER)
  count!: number;
}

export class DashboardResponse {
  @ApiProperty({ format: 'date-time', description: 'The service clock when read' })
  asOf!: string;

  @ApiProperty({ format: 'date', description: 'Iran day the day-relative counts are taken on' })
  today!: string;

  @ApiProperty()
  todayJalali!: string;

  @ApiProperty({ example: '1405-09', description: 'The Jalali month openedThisMonth counts' })
  month!: string;

  @ApiProperty({ description: 'Position of the last event the read model includes' })
  checkpoint!: string;

  @ApiProperty({ type: DashboardFiltersResponse })
  filters!: DashboardFiltersResponse;

  @ApiProperty({ type: DashboardCountsResponse })
  totals!: DashboardCountsResponse;

  @ApiProperty({ type: [ProvinceCountsResponse] })
  provinces!: ProvinceCountsResponse[];

  @ApiProperty({ type: [BranchCountsResponse] })
  branches!: BranchCountsResponse[];

  @ApiProperty({ type: [OpenedOnDayResponse], description: 'The chart: the period’s days, or the last 30' })
  openedPerDay!: OpenedOnDayResponse[];
}
