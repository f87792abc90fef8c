import { Controller, Get, Inject, Optional, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { isPeriodKey } from '@app/contracts-domain';
import { CLOCK, type Clock } from '@app/platform';
import { emptyCounts, readDashboard, sumCounts, type DashboardCounts, type DashboardFilter } from '@app/projections';
import { CurrentActor, Roles, type Actor } from '../auth';
import { AUTH_PROBLEMS, ApiProblems, CHECKPOINT_HEADER } from '../http/openapi';
import { ProblemException, type FieldError } from '../http/problem';
import { fromReadModel } from '../projections/read-model-response';
import { PG_POOL } from '../runtime';
import { DashboardResponse } from './dashboard.response';
import { SMS_COUNTS, type SmsCounts, type SmsCountsSource } from './sms-counts';
import { PROVINCE_CODE } from '@app/registry';

const CODE = /^[0-9A-Za-z-]{1,20}$/;

/** Counts only: ops see every branch, a branch officer only their own. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/dashboard')
export class DashboardController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(SMS_COUNTS) private readonly smsCounts?: SmsCountsSource,
  ) {}

  @Get('branches')
  @Roles('ops', 'branch_officer')
  @ApiOperation({
    summary: 'Per branch and province: contracts by status and channel, opened today and this Jalali month, exams pending/overdue, first payments due within 5 days, lapses, SMS failures',
    description:
      '`period` (Jalali `YYYY-MM`) keeps only contracts concluded in that month and charts its days; without it, all contracts and the last 30 days. ' +
      'Day-relative counts use the service clock’s Iran day. SMS failures are per branch and province, over all time (null when the outbox is not available).',
  })
  @ApiQuery({ name: 'province', required: false, description: 'Province code, as the registry gives it (1–4 digits)', schema: { type: 'string', pattern: '^\\d{1,4}$' } })
  @ApiQuery({ name: 'branch', required: false, description: 'Branch id (a branch officer may only give their own)' })
  @ApiQuery({ name: 'period', required: false, description: 'Jalali month, e.g. 1405-09' })
  @ApiOkResponse({ type: DashboardResponse, headers: { 'X-Checkpoint': CHECKPOINT_HEADER } })
  @ApiProblems('VALIDATION_FAILED', ...AUTH_PROBLEMS, 'SERVICE_UNAVAILABLE')
  async branches(
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('province') province?: string,
    @Query('branch') branch?: string,
    @Query('period') period?: string,
  ): Promise<DashboardResponse> {
    const filter = parseFilter(province, branch, period);
    if (actor.role === 'branch_officer') {
      if (filter.branchId !== undefined && filter.branchId !== actor.branchId) throw new ProblemException('FORBIDDEN');
      filter.branchId = actor.branchId;
    }
    const now = this.clock.now();
    const [answer, sms] = await Promise.all([
      fromReadModel(reply, () => readDashboard(this.pool, filter, now)),
      this.smsCounts ? this.smsCounts() : Promise.resolve(undefined),
    ]);
    const smsFailures = failuresByPlace(sms);
    const branches = answer.branches.map((b) => ({ ...b, smsFailures: smsFailures?.get(place(b)) ?? (smsFailures ? 0 : null) }));
    // SMS failures are over all time: a place the period leaves without contracts still shows its
    // failures, beside zero counts, so that the totals count every failure the filter covers.
    const shown = new Set(branches.map(place));
    for (const row of sms?.byBranch ?? []) {
      const failed = row.counts.failed ?? 0;
      if (failed === 0 || shown.has(place(row)) || !inPlace(filter, row)) continue;
      branches.push({ branchId: row.branchId, provinceCode: row.provinceCode, ...emptyCounts(), smsFailures: failed });
    }
    branches.sort((a, b) => compare(a.provinceCode, b.provinceCode) || compare(a.branchId, b.branchId));
    const provinces = [...new Set(branches.map((b) => b.provinceCode))].map((provinceCode) => {
      const inProvince = branches.filter((b) => b.provinceCode === provinceCode);
      return { provinceCode, ...sumCounts(inProvince), smsFailures: sumSms(inProvince) };
    });
    return {
      asOf: now.toISOString(),
      today: answer.today,
      todayJalali: answer.todayJalali,
      month: answer.month,
      checkpoint: answer.checkpoint.toString(),
      filters: { province: filter.provinceCode ?? null, branch: filter.branchId ?? null, period: filter.period ?? null },
      totals: { ...sumCounts(branches), smsFailures: sumSms(branches) },
      provinces,
      branches,
      openedPerDay: answer.openedPerDay,
    };
  }
}

function parseFilter(province?: string, branch?: string, period?: string): DashboardFilter {
  const errors: FieldError[] = [];
  // As the registry gives them: a mistyped code would otherwise look like a province without contracts.
  if (province !== undefined && !PROVINCE_CODE.test(province)) {
    errors.push({ field: 'province', message: 'province must be a province code (1 to 4 digits)', messageFa: '«province» باید کد یک استان (۱ تا ۴ رقم) باشد' });
  }
  if (branch !== undefined && !CODE.test(branch)) errors.push({ field: 'branch', message: 'branch must be a branch id', messageFa: '«branch» باید شناسه یک شعبه باشد' });
  if (period !== undefined && !isPeriodKey(period)) {
    errors.push({ field: 'period', message: 'period must be a Jalali month YYYY-MM', messageFa: '«period» باید یک ماه خورشیدی به شکل YYYY-MM باشد' });
  }
  if (errors.length > 0) throw new ProblemException('VALIDATION_FAILED', {}, errors);
  return { provinceCode: province, branchId: branch, period };
}

/** A dashboard row's place: a branch may have a row per province (its applicants'), as the outbox counts do. */
const place = (row: { branchId: string; provinceCode: string }) => `${row.branchId}/${row.provinceCode}`;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whether a place is one the province and branch filters keep. */
const inPlace = (filter: DashboardFilter, row: { branchId: string; provinceCode: string }) =>
  (filter.provinceCode === undefined || row.provinceCode === filter.provinceCode) && (filter.branchId === undefined || row.branchId === filter.branchId);

function failuresByPlace(sms: SmsCounts | undefined): Map<string, number> | undefined {
  if (!sms) return undefined;
  return new Map(sms.byBranch.map((row) => [place(row), row.counts.failed ?? 0]));
}

function sumSms(items: readonly (DashboardCounts & { smsFailures: number | null })[]): number | null {
  if (items.some((b) => b.smsFailures === null)) return null;
  return items.reduce((sum, b) => sum + (b.smsFailures ?? 0), 0);
}
