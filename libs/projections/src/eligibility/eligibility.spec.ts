import { iranDayStart, type ContractCommand } from '@app/contracts-domain';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { CONTRACT_ID, CONTRACT_NOW, facts, factsNeedingExam, jalali, openOnline, pay } from '../../../contracts-domain/src/testing/fixtures';
import { History, project } from '../testing/harness';
import { eligibilityProjection } from './eligibility.projection';
import { readEligibility } from './eligibility.queries';

const NATIONAL_CODE = facts().nationalCode;
const noon = (y: number, m: number, d: number) => new Date(iranDayStart(jalali(y, m, d)).getTime() + 12 * 3600_000);
const at = (y: number, m: number, d: number) => noon(y, m, d).toISOString();
const dayStart = (y: number, m: number, d: number) => iranDayStart(jalali(y, m, d)).toISOString();

describe('eligibility projection: medical cover by national code', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  async function eligibilityAfter(steps: [ContractCommand, string][], day: Date, contractId = CONTRACT_ID, history = new History()) {
    for (const [command, now] of steps) history.run(contractId, command, now);
    await project(db.pool, eligibilityProjection, history.events);
    const { nationalCode, covered, outpatient, inpatient, paidThrough, coveredThrough, checkpoint } = await readEligibility(db.pool, NATIONAL_CODE, day);
    expect(nationalCode).toBe(NATIONAL_CODE);
    expect(checkpoint).toBe(history.events[history.events.length - 1]!.position);
    return { covered, outpatient, inpatient, paidThrough, coveredThrough };
  }

  const opened: [ContractCommand, string] = [openOnline(), CONTRACT_NOW];
  const paidOn15: [ContractCommand, string] = [pay(1), at(1405, 9, 15)];
  const notCovered = { covered: false, outpatient: false, inpatient: 'not_covered' };

  it('answers not covered for someone without any contract', async () => {
    await project(db.pool, eligibilityProjection, []);
    expect(await readEligibility(db.pool, NATIONAL_CODE, noon(1405, 9, 12))).toEqual({
      nationalCode: NATIONAL_CODE,
      contractId: null,
      contracts: [],
      checkpoint: 0n,
      ...notCovered,
      paidThrough: null,
      coveredThrough: null,
    });
  });

  it('does not cover an opened contract before its first payment', async () => {
    expect(await eligibilityAfter([opened], noon(1405, 9, 12))).toEqual({ ...notCovered, paidThrough: null, coveredThrough: null });
  });

  it('covers at once from PaymentConfirmed while no premium is overdue: the paid periods and the next one until its due date', async () => {
    const paid = { covered: true, outpatient: true, inpatient: 'covered', paidThrough: jalali(1405, 9, 30), coveredThrough: jalali(1405, 10, 30) };
    expect(await eligibilityAfter([opened, paidOn15], noon(1405, 9, 15))).toEqual(paid);
    expect((await readEligibility(db.pool, NATIONAL_CODE, noon(1405, 10, 30))).covered).toBe(true);
    expect((await readEligibility(db.pool, NATIONAL_CODE, noon(1405, 11, 1))).covered).toBe(false);
  });

  it('shows inpatient cover pending while a required exam is not passed, covered once it is', async () => {
    const history = new History();
    const needingExam: [ContractCommand, string] = [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW];
    expect(await eligibilityAfter([needingExam, paidOn15], noon(1405, 9, 16), CONTRACT_ID, history)).toMatchObject({
      covered: true,
      outpatient: true,
      inpatient: 'pending_exam',
    });
    const examSteps: [ContractCommand, string][] = [
      [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, at(1405, 9, 16)],
      [{ type: 'RecordExamResult', data: { result: 'passed' } }, at(1405, 9, 20)],
    ];
    expect(await eligibilityAfter(examSteps, noon(1405, 9, 21), CONTRACT_ID, history)).toMatchObject({ covered: true, inpatient: 'covered' });
  });

  it('does not cover after the contract lapses', async () => {
    const lapse: [ContractCommand, string] = [{ type: 'MarkLapsed', data: {} }, dayStart(1405, 10, 1)];
    expect(await eligibilityAfter([opened, lapse], noon(1405, 10, 1))).toMatchObject(notCovered);
  });

  it('does not cover after cancellation for non-payment, even within the paid days', async () => {
    const cancel: [ContractCommand, string] = [{ type: 'CancelForNonPayment', data: {} }, dayStart(1406, 1, 1)];
    expect(await eligibilityAfter([opened, paidOn15, cancel], noon(1405, 9, 20))).toMatchObject(notCovered);
  });

  it('does not cover after termination on a rejected exam determination', async () => {
    const steps: [ContractCommand, string][] = [
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      paidOn15,
      [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, at(1405, 9, 16)],
      [{ type: 'RecordExamResult', data: { result: 'failed' } }, at(1405, 9, 18)],
      [{ type: 'MakeExamDetermination', data: { outcome: 'rejected', note: 'no' } }, at(1405, 9, 19)],
    ];
    expect(await eligibilityAfter(steps, noon(1405, 9, 20))).toMatchObject(notCovered);
  });

  it('answers from the covering contract when an earlier one was closed', async () => {
    const history = new History();
    const lapse: [ContractCommand, string] = [{ type: 'MarkLapsed', data: {} }, dayStart(1405, 10, 1)];
    await eligibilityAfter([opened, lapse], noon(1405, 10, 1), CONTRACT_ID, history);
    const second = 'c0ffee00-0000-4000-8000-000000000002';
    const reopened: [ContractCommand, string][] = [
      [openOnline({ contractId: second, contractNumber: '1405000002', now: at(1405, 10, 3) }), at(1405, 10, 3)],
      [pay(1, { paidAt: at(1405, 10, 4) }), at(1405, 10, 4)],
    ];
    expect(await eligibilityAfter(reopened, noon(1405, 10, 5), second, history)).toMatchObject({ covered: true, paidThrough: jalali(1405, 10, 30) });
    expect((await readEligibility(db.pool, NATIONAL_CODE, noon(1405, 10, 5))).contractId).toBe(second);
  });
});
