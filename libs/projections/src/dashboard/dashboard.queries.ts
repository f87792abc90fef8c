import type { Pool } from 'pg';
import {
  addDays,
  jalaliOfIso,
  iranDate,
  iranJalaliDate,
  jalaliToGregorian,
  periodEnd,
  periodKeyOf,
  periodStart,
  type ContractStatus,
  type IsoDate,
  type PeriodKey,
} from '@app/contracts-domain';
import { queryReadModel } from '../read-model';
import { dashboardProjection } from './dashboard.projection';

/**
 * "First payments due within 5 days": deadlines from today through today + 5, so with the default
 * SMS_PAYMENT_REMINDER_DAYS (5) a contract is counted from the day its reminder goes out. Fixed,
 * not that setting: the dashboard's figure means the same on every deployment.
 */
export const DUE_SOON_DAYS = 5;
/** Without a period, the chart shows this many days up to today. */
export const CHART_DAYS = 30;

export interface DashboardFilter {
  provinceCode?: string;
  branchId?: string;
  /** Jalali month `YYYY-MM`: only contracts concluded in it (and the chart over its days). */
  period?: PeriodKey;
}

export interface DashboardCounts {
  contracts: number;
  byStatus: Record<ContractStatus, number>;
  byChannel: { online: number; branch: number };
  openedToday: number;
  openedThisMonth: number;
  /** Exams required and not yet settled: pending, referred, or failed awaiting the branch. */
  examsPending: number;
  examsOverdue: number;
  firstPaymentsDueSoon: number;
  lapses: number;
}

export interface BranchCounts extends DashboardCounts {
  branchId: string;
  provinceCode: string;
}

export interface DashboardAnswer {
  checkpoint: bigint;
  today: IsoDate;
  todayJalali: string;
  /** The Jalali month "openedThisMonth" counts. */
  month: PeriodKey;
  branches: BranchCounts[];
  openedPerDay: { date: IsoDate; dateJalali: string; count: number }[];
}

const STATUSES: readonly ContractStatus[] = ['awaiting_payment', 'active', 'payments_blocked', 'lapsed', 'cancelled', 'terminated'];
const CLOSED = `('lapsed', 'cancelled', 'terminated')`;
/** The sum of `n` over the facts that match, 0 if none. */
const total = (where: string) => `COALESCE(sum(n) FILTER (WHERE ${where}), 0)::int`;
/**
 * `{status: count}` per branch, summed in the same single pass as the other counts (one
 * `FILTER` per status). A correlated subquery per branch instead re-read every row once per
 * branch: 36 s with 414 branches and 400,000 contracts.
 */
const BY_STATUS = `jsonb_build_object(${STATUSES.map((s) => `'${s}', ${total(`status = '${s}'`)}`).join(', ')})`;
/** The province and branch filters ($1, $2), on a table with both columns. */
const PLACE = '($1::text IS NULL OR province_code = $1) AND ($2::text IS NULL OR branch_id = $2)';

/**
 * What the counts are summed from, per branch and province: `n` contracts of a category (status,
 * channel, exam status), and how many were opened today ($5), opened this month ($6–$7), and
 * await a first payment due from today through $8. `recent` holds the contracts concluded from
 * $3 through $4 in the place filtered on.
 */
const FACTS = {
  /**
   * All contracts: the categories from `branch_totals` (a few rows per branch, whatever the
   * history); the day-relative counts from the recent contracts and from the (few) first payments
   * due soon, each read through an index range scan.
   */
  allTime: `
    SELECT branch_id, province_code, status, channel, exam_status, count AS n, 0 AS opened_today, 0 AS opened_this_month, 0 AS due_soon
      FROM {schema}.branch_totals WHERE ${PLACE}
    UNION ALL
    SELECT branch_id, province_code, NULL, NULL, NULL, 0, count(*) FILTER (WHERE contract_date = $5), count(*) FILTER (WHERE contract_date BETWEEN $6 AND $7), 0
      FROM recent GROUP BY branch_id, province_code
    UNION ALL
    SELECT branch_id, province_code, NULL, NULL, NULL, 0, 0, 0, count(*)
      FROM {schema}.branch_contracts WHERE status = 'awaiting_payment' AND payment_deadline BETWEEN $5 AND $8 AND ${PLACE}
      GROUP BY branch_id, province_code`,
  /** Contracts concluded in one period: its rows, each one contract (`n` = 1) with its flags. */
  concludedIn: `
    SELECT branch_id, province_code, status, channel, exam_status, 1 AS n,
           (contract_date = $5)::int AS opened_today, (contract_date BETWEEN $6 AND $7)::int AS opened_this_month,
           (status = 'awaiting_payment' AND payment_deadline BETWEEN $5 AND $8)::int AS due_soon
      FROM recent`,
};

interface BranchRow {
  branch_id: string;
  province_code: string;
  contracts: number;
  statuses: Partial<Record<ContractStatus, number>>;
  online: number;
  branch: number;
  opened_today: number;
  opened_this_month: number;
  exams_pending: number;
  exams_overdue: number;
  due_soon: number;
}

/**
 * Counts per branch (with its province), and contracts opened per day, as of `now`'s Iran day.
 * One statement, so the counts, the chart and the checkpoint come from one snapshot. Its cost
 * follows the branches and the recent contracts, not the whole history: all-time counts come
 * from `branch_totals`, the rest from the contracts concluded in the days the chart and the
 * month cover (or the period asked for), read through an index by day.
 */
export async function readDashboard(pool: Pool, filter: DashboardFilter, now: Date): Promise<DashboardAnswer> {
  const today = iranDate(now);
  const month = periodKeyOf(iranJalaliDate(now));
  const monthRange = periodRange(month);
  const selected = filter.period ? periodRange(filter.period) : undefined;
  const chart = selected ?? { from: addDays(today, -(CHART_DAYS - 1)), to: today };
  // The contracts read row by row: the period's, or those of the chart's days and this month.
  const recent = selected ?? {
    from: chart.from < monthRange.from ? chart.from : monthRange.from,
    to: chart.to > monthRange.to ? chart.to : monthRange.to,
  };
  const rows = await queryReadModel<{ checkpoint: bigint; branches: BranchRow[]; days: { day: IsoDate; count: number }[] }>(
    pool,
    dashboardProjection.name,
    `WITH recent AS MATERIALIZED (
       SELECT * FROM {schema}.branch_contracts WHERE contract_date BETWEEN $3 AND $4 AND ${PLACE}
     ), facts AS (${selected ? FACTS.concludedIn : FACTS.allTime}
     ), b AS (
       SELECT branch_id, province_code,
              sum(n)::int AS contracts,
              ${BY_STATUS} AS statuses,
              ${total(`channel = 'online'`)} AS online,
              ${total(`channel = 'branch'`)} AS branch,
              sum(opened_today)::int AS opened_today,
              sum(opened_this_month)::int AS opened_this_month,
              ${total(`exam_status IN ('pending', 'referred', 'failed') AND status NOT IN ${CLOSED}`)} AS exams_pending,
              ${total(`exam_status = 'overdue' AND status NOT IN ${CLOSED}`)} AS exams_overdue,
              sum(due_soon)::int AS due_soon
       FROM facts GROUP BY branch_id, province_code
       HAVING sum(n) > 0
     ), d AS (
       SELECT contract_date AS day, count(*)::int AS count FROM recent WHERE contract_date BETWEEN $9 AND $10 GROUP BY 1
     )
     SELECT {checkpoint} AS checkpoint,
            COALESCE((SELECT json_agg(b ORDER BY province_code, branch_id) FROM b), '[]') AS branches,
            COALESCE((SELECT json_agg(d ORDER BY day) FROM d), '[]') AS days`,
    [
      filter.provinceCode ?? null,
      filter.branchId ?? null,
      recent.from,
      recent.to,
      today,
      monthRange.from,
      monthRange.to,
      addDays(today, DUE_SOON_DAYS),
      chart.from,
      chart.to,
    ],
  );
  const { checkpoint, branches, days } = rows[0]!;
  const perDay = new Map(days.map((d) => [d.day, d.count]));
  const openedPerDay = [];
  for (let date = chart.from; date <= chart.to; date = addDays(date, 1)) {
    openedPerDay.push({ date, dateJalali: jalaliOfIso(date), count: perDay.get(date) ?? 0 });
  }
  return {
    checkpoint,
    today,
    todayJalali: jalaliOfIso(today),
    month,
    branches: branches.map(toBranchCounts),
    openedPerDay,
  };
}

/** Adds counts up (per province, or in total). */
export function sumCounts(items: readonly DashboardCounts[]): DashboardCounts {
  const total = emptyCounts();
  for (const c of items) {
    total.contracts += c.contracts;
    for (const s of STATUSES) total.byStatus[s] += c.byStatus[s];
    total.byChannel.online += c.byChannel.online;
    total.byChannel.branch += c.byChannel.branch;
    total.openedToday += c.openedToday;
    total.openedThisMonth += c.openedThisMonth;
    total.examsPending += c.examsPending;
    total.examsOverdue += c.examsOverdue;
    total.firstPaymentsDueSoon += c.firstPaymentsDueSoon;
    total.lapses += c.lapses;
  }
  return total;
}

export function emptyCounts(): DashboardCounts {
  return {
    contracts: 0,
    byStatus: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ContractStatus, number>,
    byChannel: { online: 0, branch: 0 },
    openedToday: 0,
    openedThisMonth: 0,
    examsPending: 0,
    examsOverdue: 0,
    firstPaymentsDueSoon: 0,
    lapses: 0,
  };
}

function toBranchCounts(row: BranchRow): BranchCounts {
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, row.statuses?.[s] ?? 0])) as Record<ContractStatus, number>;
  return {
    branchId: row.branch_id,
    provinceCode: row.province_code,
    contracts: row.contracts,
    byStatus,
    byChannel: { online: row.online, branch: row.branch },
    openedToday: row.opened_today,
    openedThisMonth: row.opened_this_month,
    examsPending: row.exams_pending,
    examsOverdue: row.exams_overdue,
    firstPaymentsDueSoon: row.due_soon,
    lapses: byStatus.lapsed,
  };
}

function periodRange(period: PeriodKey): { from: IsoDate; to: IsoDate } {
  return { from: jalaliToGregorian(periodStart(period)), to: jalaliToGregorian(periodEnd(period)) };
}
