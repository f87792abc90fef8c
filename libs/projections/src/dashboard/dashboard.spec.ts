import type { Pool, PoolClient } from 'pg';
import type { ContractCommand } from '@app/contracts-domain';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { CONTRACT_NOW, facts, factsNeedingExam, jalali, openAtBranch, openOnline, pay } from '../../../contracts-domain/src/testing/fixtures';
import { History, project } from '../testing/harness';
import { dashboardProjection } from './dashboard.projection';
import { readDashboard, sumCounts, type BranchCounts, type DashboardFilter } from './dashboard.queries';

const id = (n: number) => `c0ffee00-0000-4000-8000-${String(n).padStart(12, '0')}`;
const EARLIER = '2026-11-15T07:00:00Z'; // 1405/08/24
const day = (iso: string) => new Date(`${iso}T09:00:00Z`);

describe('dashboard projection: counts per branch and province, no personal data', () => {
  let db: TestDatabase;
  const history = new History();

  beforeAll(async () => {
    db = await createTestDatabase();
    const run = (n: number, command: ContractCommand, now = CONTRACT_NOW) => history.run(id(n), command, now);
    // Branch 1201 (province 23): one paid, one awaiting its first payment, one paid needing the exam that goes overdue.
    run(1, openOnline({ contractId: id(1) }));
    run(1, pay(1, { bankReference: 'B1' }), '2026-12-02T08:00:00Z');
    run(2, openOnline({ contractId: id(2) }));
    run(3, openOnline({ contractId: id(3), facts: factsNeedingExam() }));
    run(3, pay(1, { bankReference: 'B3' }), '2026-12-02T08:00:00Z');
    run(3, { type: 'MarkExamOverdue', data: {} }, `${jalali(1405, 11, 11)}T00:00:00Z`);
    // Branch 1299 (province 23) at the counter; an older contract in province 11 that lapsed.
    run(4, openAtBranch({ contractId: id(4), branchId: '1299' }));
    run(5, openOnline({ contractId: id(5), now: EARLIER, facts: facts({ branchId: '1101', provinceCode: '11' }) }), EARLIER);
    run(5, { type: 'MarkLapsed', data: {} }, '2026-12-06T00:00:00Z');
    history.other('insured-0499370899', 'ContractReserved');
    await project(db.pool, dashboardProjection, history.events, 3);
  });
  afterAll(() => db.drop());

  const branch = (rows: BranchCounts[], branchId: string) => rows.find((b) => b.branchId === branchId)!;

  it('counts each branch by status, channel and exam, on the day asked', async () => {
    const answer = await readDashboard(db.pool, {}, day('2026-12-01'));
    expect(answer.checkpoint).toBe(history.events[history.events.length - 1]!.position);
    expect(answer).toMatchObject({ today: '2026-12-01', todayJalali: '1405/09/10', month: '1405-09' });
    expect(answer.branches.map((b) => [b.provinceCode, b.branchId])).toEqual([
      ['11', '1101'],
      ['23', '1201'],
      ['23', '1299'],
    ]);
    expect(branch(answer.branches, '1201')).toEqual({
      branchId: '1201',
      provinceCode: '23',
      contracts: 3,
      byStatus: { awaiting_payment: 1, active: 1, payments_blocked: 1, lapsed: 0, cancelled: 0, terminated: 0 },
      byChannel: { online: 3, branch: 0 },
      openedToday: 3,
      openedThisMonth: 3,
      examsPending: 0,
      examsOverdue: 1,
      firstPaymentsDueSoon: 0,
      lapses: 0,
    });
    expect(branch(answer.branches, '1299')).toMatchObject({ byChannel: { online: 0, branch: 1 }, openedToday: 1 });
    expect(branch(answer.branches, '1101')).toMatchObject({ lapses: 1, openedToday: 0, openedThisMonth: 0, byStatus: { lapsed: 1 } });
    expect(sumCounts(answer.branches)).toMatchObject({ contracts: 5, openedToday: 4, lapses: 1, byChannel: { online: 4, branch: 1 } });
  });

  it('counts first payments due from today through 5 days on, from their reminder day (deadline 1405/09/30 = 2026-12-21)', async () => {
    const due = async (iso: string) => sumCounts((await readDashboard(db.pool, {}, day(iso))).branches).firstPaymentsDueSoon;
    expect(await due('2026-12-15')).toBe(0);
    expect(await due('2026-12-16')).toBe(2); // contracts 2 and 4 still await their first payment
    expect(await due('2026-12-21')).toBe(2);
    expect(await due('2026-12-22')).toBe(0);
  });

  it('filters by province, branch and Jalali month of conclusion', async () => {
    const now = day('2026-12-01');
    expect((await readDashboard(db.pool, { provinceCode: '11' }, now)).branches.map((b) => b.branchId)).toEqual(['1101']);
    expect((await readDashboard(db.pool, { branchId: '1299' }, now)).branches.map((b) => b.branchId)).toEqual(['1299']);
    const aban = await readDashboard(db.pool, { period: '1405-08' }, now);
    expect(aban.branches.map((b) => [b.branchId, b.contracts])).toEqual([['1101', 1]]);
    expect(aban.openedPerDay).toHaveLength(30); // Aban has 30 days
    expect(aban.openedPerDay.filter((d) => d.count > 0)).toEqual([{ date: '2026-11-15', dateJalali: '1405/08/24', count: 1 }]);
  });

  it('charts contracts opened per day over the last 30 days, including empty days', async () => {
    const answer = await readDashboard(db.pool, {}, day('2026-12-01'));
    expect(answer.openedPerDay).toHaveLength(30);
    expect(answer.openedPerDay[29]).toEqual({ date: '2026-12-01', dateJalali: '1405/09/10', count: 4 });
    expect(answer.openedPerDay.find((d) => d.date === '2026-11-15')!.count).toBe(1);
    expect(answer.openedPerDay.reduce((sum, d) => sum + d.count, 0)).toBe(5);
  });

  it('keeps no personal data in its counting tables', async () => {
    const { rows } = await db.pool.query('SELECT * FROM projection_dashboard.branch_contracts');
    expect(Object.keys(rows[0]!).sort()).toEqual(
      ['branch_id', 'channel', 'contract_date', 'contract_id', 'exam_status', 'payment_deadline', 'province_code', 'status'].sort(),
    );
    const totals = await db.pool.query('SELECT * FROM projection_dashboard.branch_totals');
    expect(totals.fields.map((f) => f.name).sort()).toEqual(['branch_id', 'channel', 'count', 'exam_status', 'province_code', 'status']);
  });

  it('answers with empty counts before any contract', async () => {
    const empty = await createTestDatabase();
    try {
      await project(empty.pool, dashboardProjection, []);
      const answer = await readDashboard(empty.pool, {}, day('2026-12-01'));
      expect(answer.branches).toEqual([]);
      expect(answer.checkpoint).toBe(0n);
    } finally {
      await empty.drop();
    }
  });
});

describe('dashboard query over many branches and years: reads the totals and the recent rows, not the history', () => {
  const BRANCHES = 60;
  const STATUSES = ['awaiting_payment', 'active', 'payments_blocked', 'lapsed', 'cancelled', 'terminated'];
  const now = day('2026-12-01');
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await project(db.pool, dashboardProjection, []);
    // 60,000 contracts over 60 branches in 6 provinces, every status, channel and exam status,
    // concluded over three years (a dashboard on 2026-12-01 reads the last 30 days row by row), and
    // their totals as the projection keeps them. Enough rows for an index to beat a full scan.
    await db.pool.query(
      `INSERT INTO projection_dashboard.branch_contracts
       SELECT gen_random_uuid(), (1000 + i % $1)::text, (10 + i % $1 % 6)::text, (ARRAY['online', 'branch'])[1 + i % 2],
              ($2::text[])[1 + i / 7 % 6], (ARRAY['not_required', 'pending', 'referred', 'failed', 'overdue', 'passed'])[1 + i / 5 % 6],
              to_char(date '2026-12-01' - i % 1100, 'YYYY-MM-DD'), to_char(date '2026-12-01' - i % 1100 + 20, 'YYYY-MM-DD')
       FROM generate_series(1, 60000) i`,
      [BRANCHES, STATUSES],
    );
    await db.pool.query(
      `INSERT INTO projection_dashboard.branch_totals
       SELECT branch_id, province_code, status, channel, exam_status, count(*) FROM projection_dashboard.branch_contracts GROUP BY 1, 2, 3, 4, 5`,
    );
    await db.pool.query('ANALYZE projection_dashboard.branch_contracts, projection_dashboard.branch_totals');
  });
  afterAll(() => db.drop());

  it('counts each branch by status exactly as the rows say', async () => {
    const { rows } = await db.pool.query<{ branch_id: string; status: string }>('SELECT branch_id, status FROM projection_dashboard.branch_contracts');
    const expected = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const counts = expected.get(row.branch_id) ?? Object.fromEntries(STATUSES.map((s) => [s, 0]));
      counts[row.status]! += 1;
      expected.set(row.branch_id, counts);
    }
    const answer = await readDashboard(db.pool, {}, now);
    expect(answer.branches).toHaveLength(BRANCHES);
    for (const b of answer.branches) {
      expect(b.byStatus).toEqual(expected.get(b.branchId));
      expect(b.contracts).toBe(Object.values(b.byStatus).reduce((sum, n) => sum + n, 0));
      expect(b.lapses).toBe(b.byStatus.lapsed);
    }
    const one = await readDashboard(db.pool, { branchId: '1007' }, now);
    expect(one.branches.map((b) => [b.branchId, b.byStatus])).toEqual([['1007', expected.get('1007')]]);
  });

  it.each<[string, DashboardFilter]>([
    ['everything', {}],
    ['a province', { provinceCode: '13' }],
    ['a branch', { branchId: '1007' }],
    ['a month of conclusion', { period: '1405-08' }],
  ])('reads %s with no subquery run per branch and no full scan of the contracts', async (_what, filter) => {
    const client = await db.pool.connect();
    try {
      const plan = await planOf(client, filter);
      expect(nodes(plan).filter((n) => n['Parent Relationship'] === 'SubPlan')).toEqual([]);
      const scans = nodes(plan).filter((n) => n['Relation Name'] !== undefined);
      expect(scans.filter((n) => n['Actual Loops'] !== 1)).toEqual([]);
      expect(scans.filter((n) => n['Relation Name'] === 'branch_contracts' && n['Node Type'] === 'Seq Scan')).toEqual([]);
      // All-time counts come from the totals, unless only a period's contracts are counted.
      expect(scans.some((n) => n['Relation Name'] === 'branch_totals')).toBe(!filter.period);
    } finally {
      client.release();
    }
  });

  it("serves a branch officer's filter (a branch without its province) from an index by branch", async () => {
    const client = await db.pool.connect();
    try {
      await client.query('SET enable_seqscan = off'); // which index, not whether this small table is worth one
      const plan = await planOf(client, { branchId: '1007' });
      // An index scan names its index; a bitmap scan names it on its Bitmap Index Scan child.
      const indexes = nodes(plan).flatMap((n) => n['Index Name'] ?? []);
      expect(indexes).toContain('branch_contracts_by_branch');
      // Otherwise only the few first payments awaited, or the totals by their key (branch first).
      expect(indexes.filter((i) => !['branch_contracts_by_branch', 'branch_contracts_awaiting_first_payment', 'branch_totals_pkey'].includes(i))).toEqual([]);
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });

  interface PlanNode {
    'Node Type': string;
    'Parent Relationship'?: string;
    'Relation Name'?: string;
    'Index Name'?: string;
    'Actual Loops'?: number;
    Plans?: PlanNode[];
  }

  /** EXPLAIN ANALYZE of the very statement readDashboard sends, on one connection. */
  async function planOf(client: PoolClient, filter: DashboardFilter): Promise<PlanNode> {
    let sent: { text: string; values: unknown[] } | undefined;
    const recorder = {
      query: (text: string, values: unknown[]) => {
        sent = { text, values };
        return client.query(text, values);
      },
    } as unknown as Pool;
    await readDashboard(recorder, filter, now);
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sent!.text}`, sent!.values);
    return rows[0]!['QUERY PLAN'][0].Plan;
  }

  const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
});
