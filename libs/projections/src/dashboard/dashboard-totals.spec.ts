import type { Pool } from 'pg';
import { iranDayStart, type ContractCommand } from '@app/contracts-domain';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { facts, factsNeedingExam, jalali, openAtBranch, openOnline, pay } from '../../../contracts-domain/src/testing/fixtures';
import { History, project } from '../testing/harness';
import { dashboardProjection } from './dashboard.projection';
import { readDashboard, type DashboardFilter } from './dashboard.queries';

const id = (n: number) => `d0ffee00-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** 11:30 Iran time on a Jalali day. */
const at = (y: number, m: number, d: number) => `${jalali(y, m, d)}T08:00:00Z`;
const dayStart = (y: number, m: number, d: number) => iranDayStart(jalali(y, m, d)).toISOString();
const examFacts = (overrides: Parameters<typeof facts>[0] = {}) => factsNeedingExam({ lastContributionDate: jalali(1404, 9, 1), ...overrides });

/**
 * Contracts in five branches of three provinces, concluded over three Jalali months, through
 * every status and exam status the dashboard counts: a contract moves between categories of
 * `branch_totals` with each event.
 */
function mixedHistory(): History {
  const history = new History();
  const steps: [number, ContractCommand, string][] = [];
  const open = (n: number, command: ContractCommand, now: string) => steps.push([n, command, now]);
  const then = (n: number, command: ContractCommand, now: string) => steps.push([n, command, now]);
  const paid = (n: number, now: string) => then(n, pay(1, { bankReference: `B${n}`, paidAt: now }), now);
  const referred = (n: number, now: string) => then(n, { type: 'IssueExamReferral', data: { referralNumber: `R${n}` } }, now);
  const result = (n: number, outcome: 'passed' | 'failed', now: string) => then(n, { type: 'RecordExamResult', data: { result: outcome } }, now);

  // Aban 1405, province 11.
  const aban = at(1405, 8, 24);
  open(1, openOnline({ contractId: id(1), now: aban, facts: facts({ branchId: '1101', provinceCode: '11' }) }), aban);
  open(2, openOnline({ contractId: id(2), now: aban, facts: examFacts({ branchId: '1101', provinceCode: '11' }) }), aban);
  paid(2, at(1405, 8, 25));
  open(3, openAtBranch({ contractId: id(3), now: aban, branchId: '1150', facts: facts({ provinceCode: '11' }) }), aban);
  paid(3, at(1405, 8, 26));
  // Azar 1405, provinces 23 and 11.
  const azar = at(1405, 9, 10);
  open(4, openOnline({ contractId: id(4), now: azar }), azar);
  paid(4, at(1405, 9, 11));
  open(5, openOnline({ contractId: id(5), now: azar }), azar);
  open(6, openOnline({ contractId: id(6), now: azar, facts: examFacts() }), azar);
  paid(6, at(1405, 9, 11));
  open(7, openAtBranch({ contractId: id(7), now: azar, branchId: '1299' }), azar);
  paid(7, at(1405, 9, 15));
  open(8, openAtBranch({ contractId: id(8), now: azar, branchId: '1150', facts: examFacts({ provinceCode: '11' }) }), azar);
  paid(8, at(1405, 9, 12));
  open(9, openAtBranch({ contractId: id(9), now: azar, branchId: '1150', facts: examFacts({ provinceCode: '11' }) }), azar);
  paid(9, at(1405, 9, 12));
  referred(2, at(1405, 9, 14));
  then(1, { type: 'MarkLapsed', data: {} }, dayStart(1405, 9, 15)); // 20 days to pay the first month
  result(2, 'failed', at(1405, 9, 16));
  referred(6, at(1405, 9, 16));
  open(10, openOnline({ contractId: id(10), now: at(1405, 9, 20) }), at(1405, 9, 20));
  result(6, 'passed', at(1405, 9, 20));
  then(2, { type: 'MakeExamDetermination', data: { outcome: 'rejected', note: 'no' } }, at(1405, 9, 22));
  // Dey 1405, province 31; the deadlines of Azar's contracts pass.
  then(5, { type: 'MarkLapsed', data: {} }, dayStart(1405, 10, 1));
  const dey = at(1405, 10, 5);
  open(11, openOnline({ contractId: id(11), now: dey, facts: facts({ branchId: '3101', provinceCode: '31' }) }), dey);
  open(12, openOnline({ contractId: id(12), now: dey, facts: examFacts({ branchId: '3101', provinceCode: '31' }) }), dey);
  paid(12, at(1405, 10, 6));
  referred(12, at(1405, 10, 7));
  open(13, openAtBranch({ contractId: id(13), now: dey, branchId: '3101', facts: examFacts({ provinceCode: '31' }) }), dey);
  paid(13, at(1405, 10, 6));
  then(10, { type: 'MarkLapsed', data: {} }, dayStart(1405, 10, 11));
  open(14, openOnline({ contractId: id(14), now: at(1405, 10, 25), facts: facts({ branchId: '3101', provinceCode: '31' }) }), at(1405, 10, 25));
  // Bahman: exams overdue, one cleared; Farvardin 1406: a cancellation for non-payment.
  then(8, { type: 'MarkExamOverdue', data: {} }, dayStart(1405, 11, 11));
  then(9, { type: 'MarkExamOverdue', data: {} }, dayStart(1405, 11, 11));
  then(9, { type: 'MakeExamDetermination', data: { outcome: 'cleared', note: 'ok' } }, at(1405, 11, 13));
  then(7, { type: 'CancelForNonPayment', data: {} }, dayStart(1406, 1, 1));
  for (const [n, command, now] of steps) {
    try {
      history.run(id(n), command, now);
    } catch (error) {
      throw new Error(`contract ${n}, ${command.type} at ${now}: ${String(error)} ${JSON.stringify((error as { details?: unknown }).details)}`);
    }
  }
  history.other('insured-0499370899', 'ContractReserved');
  return history;
}

/** The query as it was before `branch_totals`: every count aggregated from every row. */
const SCAN = `WITH f AS (
    SELECT * FROM projection_dashboard.branch_contracts
    WHERE ($1::text IS NULL OR province_code = $1) AND ($2::text IS NULL OR branch_id = $2)
      AND ($3::text IS NULL OR contract_date BETWEEN $3 AND $4)
  ), b AS (
    SELECT branch_id, province_code,
           count(*)::int AS contracts,
           jsonb_build_object(${['awaiting_payment', 'active', 'payments_blocked', 'lapsed', 'cancelled', 'terminated']
             .map((s) => `'${s}', count(*) FILTER (WHERE status = '${s}')`)
             .join(', ')}) AS statuses,
           count(*) FILTER (WHERE channel = 'online')::int AS online,
           count(*) FILTER (WHERE channel = 'branch')::int AS branch,
           count(*) FILTER (WHERE contract_date = $5)::int AS opened_today,
           count(*) FILTER (WHERE contract_date BETWEEN $6 AND $7)::int AS opened_this_month,
           count(*) FILTER (WHERE exam_status IN ('pending', 'referred', 'failed') AND status NOT IN ('lapsed', 'cancelled', 'terminated'))::int AS exams_pending,
           count(*) FILTER (WHERE exam_status = 'overdue' AND status NOT IN ('lapsed', 'cancelled', 'terminated'))::int AS exams_overdue,
           count(*) FILTER (WHERE status = 'awaiting_payment' AND payment_deadline BETWEEN $5 AND $8)::int AS due_soon
    FROM f GROUP BY branch_id, province_code
  ), d AS (
    SELECT contract_date AS day, count(*)::int AS count FROM f WHERE contract_date BETWEEN $9 AND $10 GROUP BY 1
  )
  SELECT (SELECT position FROM projection_dashboard.checkpoint) AS checkpoint,
         COALESCE((SELECT json_agg(b ORDER BY province_code, branch_id) FROM b), '[]') AS branches,
         COALESCE((SELECT json_agg(d ORDER BY day) FROM d), '[]') AS days`;

/**
 * readDashboard answering from the full scan: its statement is swapped for SCAN, whose
 * parameters are the same but for $3–$4, the period's days or nothing.
 */
function readByScan(pool: Pool, filter: DashboardFilter, now: Date) {
  const scanning = {
    query: (_text: string, values: unknown[]) =>
      pool.query(SCAN, [...values.slice(0, 2), ...(filter.period ? values.slice(2, 4) : [null, null]), ...values.slice(4)]),
  } as unknown as Pool;
  return readDashboard(scanning, filter, now);
}

/** The rows of branch_totals, and what they should be: a count of branch_contracts. */
async function totalsAndCount(pool: Pool) {
  const [kept, counted] = await Promise.all(
    [
      'SELECT branch_id, province_code, status, channel, exam_status, count FROM projection_dashboard.branch_totals',
      `SELECT branch_id, province_code, status, channel, exam_status, count(*)::int AS count
         FROM projection_dashboard.branch_contracts GROUP BY 1, 2, 3, 4, 5`,
    ].map(async (sql) => (await pool.query(`${sql} ORDER BY 1, 2, 3, 4, 5`)).rows),
  );
  return { kept, counted };
}

describe('dashboard all-time counts kept in branch_totals', () => {
  let db: TestDatabase;
  const history = mixedHistory();
  const fresh = async () => {
    await db.pool.query('DROP SCHEMA IF EXISTS projection_dashboard CASCADE');
    await project(db.pool, dashboardProjection, []);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it.each([1, 2, 3, 7, 500])('equal a count of the contracts after every batch of %i events', async (batchSize) => {
    await fresh();
    for (let end = batchSize; end < history.events.length + batchSize; end += batchSize) {
      await project(db.pool, dashboardProjection, history.events.slice(0, end), batchSize);
      const { kept, counted } = await totalsAndCount(db.pool);
      expect(kept).toEqual(counted);
    }
    const { rows } = await db.pool.query<{ status: string; exam_status: string }>(
      'SELECT DISTINCT status, exam_status FROM projection_dashboard.branch_contracts ORDER BY 1, 2',
    );
    // The history reaches every status and the exam statuses the counts single out.
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['awaiting_payment', 'active', 'payments_blocked', 'lapsed', 'cancelled', 'terminated']));
    expect(rows.map((r) => r.exam_status)).toEqual(expect.arrayContaining(['not_required', 'pending', 'referred', 'overdue', 'passed', 'cleared']));
  });

  it('count nothing twice when a batch is applied again', async () => {
    await fresh();
    await project(db.pool, dashboardProjection, history.events, 4);
    const before = await totalsAndCount(db.pool);
    // A second runner replaying the tail (its checkpoint behind): the fold skips what it has.
    await db.pool.query(`UPDATE projection_dashboard.checkpoint SET position = $1`, [history.events[history.events.length - 9]!.position]);
    await project(db.pool, dashboardProjection, history.events, 3);
    expect(await totalsAndCount(db.pool)).toEqual(before);
    expect(before.kept).toEqual(before.counted);
  });

  describe('answer exactly as the full scan of every contract did', () => {
    beforeAll(async () => {
      await fresh();
      await project(db.pool, dashboardProjection, history.events, 5);
    });

    const days = [
      at(1405, 8, 24),
      at(1405, 9, 1),
      at(1405, 9, 10),
      at(1405, 9, 26),
      at(1405, 9, 30),
      at(1405, 10, 5),
      at(1405, 10, 22), // contract 11's first payment due within 5 days
      at(1405, 10, 27),
      at(1405, 11, 12),
      at(1406, 1, 2),
    ].map((iso) => new Date(iso));
    const filters: DashboardFilter[] = [
      {},
      { provinceCode: '11' },
      { provinceCode: '23' },
      { provinceCode: '99' },
      { branchId: '1150' },
      { branchId: '3101' },
      { provinceCode: '23', branchId: '1299' },
      { provinceCode: '11', branchId: '1299' },
      { period: '1405-08' },
      { period: '1405-09' },
      { period: '1405-09', provinceCode: '23' },
      { period: '1405-10', branchId: '3101' },
      { period: '1405-12' },
    ];

    it.each(filters.map((filter) => [JSON.stringify(filter), filter] as const))('with filter %s, on every day asked', async (_name, filter) => {
      for (const now of days) {
        const answer = await readDashboard(db.pool, filter, now);
        expect(answer).toEqual(await readByScan(db.pool, filter, now));
      }
    });

    it('with counts that move: the comparison is not between empty answers', async () => {
      const answer = await readDashboard(db.pool, {}, new Date(at(1405, 10, 22)));
      expect(answer.branches).toHaveLength(5);
      const sum = (pick: (b: (typeof answer.branches)[number]) => number) => answer.branches.reduce((n, b) => n + pick(b), 0);
      expect(sum((b) => b.contracts)).toBe(14);
      expect(sum((b) => b.firstPaymentsDueSoon)).toBeGreaterThan(0);
      expect(sum((b) => b.openedThisMonth)).toBeGreaterThan(0);
      expect(sum((b) => b.examsPending)).toBeGreaterThan(0);
      expect(sum((b) => b.examsOverdue)).toBeGreaterThan(0);
    });
  });
});
