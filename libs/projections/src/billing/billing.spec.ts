import { iranDayStart, summaryOf, type ContractCommand } from '@app/contracts-domain';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { CONTRACT_ID, CONTRACT_NOW, PREMIUM, factsNeedingExam, jalali, openOnline, pay } from '../../../contracts-domain/src/testing/fixtures';
import { History, project } from '../testing/harness';
import { billingProjection } from './billing.projection';
import { readSlips } from './billing.queries';

/** Noon (Iran) of a Jalali day, as an instant. */
const noon = (y: number, m: number, d: number) => new Date(iranDayStart(jalali(y, m, d)).getTime() + 12 * 3600_000);
const at = (y: number, m: number, d: number) => noon(y, m, d).toISOString();

describe('billing projection: slips per Jalali period', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  async function slipsAfter(steps: [ContractCommand, string][], day: Date, contractId = CONTRACT_ID) {
    const history = new History();
    for (const [command, now] of steps) history.run(contractId, command, now);
    await project(db.pool, billingProjection, history.events);
    const answer = await readSlips(db.pool, contractId, day);
    expect(answer.checkpoint).toBe(history.events[history.events.length - 1]!.position);
    return answer.contract!.slips.map(({ period, amount, dueDate, status }) => ({ period, amount, dueDate, status }));
  }

  const opened: [ContractCommand, string] = [openOnline(), CONTRACT_NOW];

  it('opens with one slip due on the 20-day payment deadline', async () => {
    expect(await slipsAfter([opened], noon(1405, 9, 12))).toEqual([
      { period: '1405-09', amount: PREMIUM, dueDate: jalali(1405, 9, 30), status: 'open' },
    ]);
  });

  it('bills the new amount after WageChanged', async () => {
    const slips = await slipsAfter([opened, [{ type: 'ChangeWage', data: { requestedMonthlyPremium: 40_000_000 } }, at(1405, 9, 11)]], noon(1405, 9, 12));
    expect(slips).toEqual([{ period: '1405-09', amount: 40_000_000, dueDate: jalali(1405, 9, 30), status: 'open' }]);
  });

  it('marks paid periods paid and adds each month an open slip due at its end', async () => {
    const slips = await slipsAfter([opened, [pay(2), at(1405, 9, 15)]], noon(1405, 11, 3));
    expect(slips).toEqual([
      { period: '1405-09', amount: PREMIUM, dueDate: jalali(1405, 9, 30), status: 'paid' },
      { period: '1405-10', amount: PREMIUM, dueDate: jalali(1405, 10, 30), status: 'paid' },
      { period: '1405-11', amount: PREMIUM, dueDate: jalali(1405, 11, 30), status: 'open' },
    ]);
  });

  describe('a contract that needs the exam', () => {
    const openNeedingExam: [ContractCommand, string] = [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW];
    const paid: [ContractCommand, string] = [pay(1), at(1405, 9, 15)];
    const referred: [ContractCommand, string] = [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, at(1405, 9, 16)];

    it('blocks slips for periods starting beyond 2 months of the contract date until the exam is passed', async () => {
      const paidAhead: [ContractCommand, string] = [pay(3), at(1405, 9, 15)];
      const statuses = (await slipsAfter([openNeedingExam, paidAhead], noon(1405, 10, 5))).map((s) => [s.period, s.status]);
      expect(statuses).toEqual([
        ['1405-09', 'paid'],
        ['1405-10', 'paid'],
        ['1405-11', 'paid'], // starts 1405/11/01, within the exam deadline 1405/11/10
        ['1405-12', 'blocked'],
      ]);
    });

    it('blocks every unpaid slip once the exam deadline has passed, before ExamOverdue is recorded', async () => {
      const onDeadline = (await slipsAfter([openNeedingExam, paid], noon(1405, 11, 10))).map((s) => s.status);
      expect(onDeadline).toEqual(['paid', 'open', 'open']);
      const dayAfter = (await slipsAfter([openNeedingExam, paid], noon(1405, 11, 11))).map((s) => s.status);
      expect(dayAfter).toEqual(['paid', 'blocked', 'blocked']);
    });

    it('opens them once the exam is passed', async () => {
      const passed: [ContractCommand, string] = [{ type: 'RecordExamResult', data: { result: 'passed' } }, at(1405, 10, 2)];
      const statuses = (await slipsAfter([openNeedingExam, paid, referred, passed], noon(1405, 12, 5))).map((s) => s.status);
      expect(statuses).toEqual(['paid', 'open', 'open', 'open']);
    });

    it('blocks every unpaid slip while ExamOverdue, and opens them when a branch clears it', async () => {
      const overdue: [ContractCommand, string] = [{ type: 'MarkExamOverdue', data: {} }, at(1405, 11, 11)];
      const blocked = await slipsAfter([openNeedingExam, paid, referred, overdue], noon(1405, 11, 12));
      expect(blocked.map((s) => s.status)).toEqual(['paid', 'blocked', 'blocked']);

      const cleared: [ContractCommand, string] = [{ type: 'MakeExamDetermination', data: { outcome: 'cleared', note: 'ok' } }, at(1405, 11, 13)];
      const history = new History();
      for (const [command, now] of [openNeedingExam, paid, referred, overdue, cleared]) history.run(CONTRACT_ID, command, now);
      await project(db.pool, billingProjection, history.events); // only the new event is past the checkpoint
      const reopened = await readSlips(db.pool, CONTRACT_ID, noon(1405, 11, 14));
      expect(reopened.contract!.slips.map((s) => s.status)).toEqual(['paid', 'open', 'open']);
    });

    it('voids unpaid slips when a rejected determination terminates the contract', async () => {
      const failed: [ContractCommand, string] = [{ type: 'RecordExamResult', data: { result: 'failed' } }, at(1405, 10, 2)];
      const rejected: [ContractCommand, string] = [{ type: 'MakeExamDetermination', data: { outcome: 'rejected', note: 'no' } }, at(1405, 10, 5)];
      const slips = await slipsAfter([openNeedingExam, paid, referred, failed, rejected], noon(1405, 10, 6));
      expect(slips.map((s) => s.status)).toEqual(['paid', 'void']);
    });
  });

  it('voids the slip when the contract lapses', async () => {
    const lapse: [ContractCommand, string] = [{ type: 'MarkLapsed', data: {} }, iranDayStart(jalali(1405, 10, 1)).toISOString()];
    expect((await slipsAfter([opened, lapse], noon(1405, 10, 2))).map((s) => s.status)).toEqual(['void']);
  });

  it('voids unpaid slips when the contract is cancelled for non-payment', async () => {
    const cancel: [ContractCommand, string] = [{ type: 'CancelForNonPayment', data: {} }, iranDayStart(jalali(1406, 1, 1)).toISOString()];
    const slips = await slipsAfter([opened, [pay(1), at(1405, 9, 15)], cancel], noon(1406, 1, 2));
    expect(slips.map((s) => [s.period, s.status])).toEqual([
      ['1405-09', 'paid'],
      ['1405-10', 'void'],
    ]);
  });

  it('skips events of other streams and applies each contract event once, whatever the batches', async () => {
    const history = new History();
    history.run(CONTRACT_ID, openOnline(), CONTRACT_NOW);
    history.other('insured-0499370899', 'ContractReserved');
    history.run(CONTRACT_ID, pay(1), at(1405, 9, 15));
    await project(db.pool, billingProjection, history.events.slice(0, 2), 1);
    await project(db.pool, billingProjection, history.events, 1);
    const answer = await readSlips(db.pool, CONTRACT_ID, noon(1405, 9, 20));
    expect(answer.checkpoint).toBe(history.events[2]!.position);
    expect(answer.contract!.revision).toBe(1);
    expect(answer.contract!.state).toEqual(summaryOf(history.stateOf(CONTRACT_ID)!));
    expect(answer.contract!.slips.map((s) => s.status)).toEqual(['paid', 'open']);
  });
});
