import { coverageOn, slipsOf } from './billing';
import { ContractCommand } from './commands';
import { deadlineCause, pendingDeadlines } from './deadlines';
import { POLICY_1403 } from './policy';
import { ContractState, foldSummary, replay, summaryOf } from './state';
import { CONTRACT_ID, CONTRACT_NOW, factsNeedingExam, historyOf, jalali, openOnline, pay } from './testing/fixtures';
import { contractView } from './view';

const FIRST_PAYMENT_AT = '2026-12-05T06:00:00Z';
const exemptAfter = (steps: [ContractCommand, string][]) => replayed([[openOnline(), CONTRACT_NOW], ...steps]);
const needingExamAfter = (steps: [ContractCommand, string][]) =>
  replayed([[openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW], ...steps]);

function replayed(steps: [ContractCommand, string][]): ContractState {
  const state = replay(historyOf(steps));
  if (state === undefined) throw new Error('no contract');
  return state;
}

describe('evolve', () => {
  it('has no state for an empty stream', () => {
    expect(replay([])).toBeUndefined();
  });

  it('goes awaiting_payment → active on the first payment, and keeps the paid run', () => {
    expect(exemptAfter([]).status).toBe('awaiting_payment');
    const paid = exemptAfter([
      [pay(2), FIRST_PAYMENT_AT],
      [pay(1, { bankReference: 'BR-2' }), '2026-12-20T08:00:00Z'],
    ]);
    expect([paid.status, paid.lastPaidPeriod, paid.paidThrough, paid.payments.length]).toEqual([
      'active',
      '1405-11',
      jalali(1405, 11, 30),
      2,
    ]);
  });

  it('goes payments_blocked on ExamOverdue and back to active when cleared', () => {
    const overdueSteps: [ContractCommand, string][] = [
      [pay(1), FIRST_PAYMENT_AT],
      [{ type: 'MarkExamOverdue', data: {} }, '2027-01-31T10:00:00Z'],
    ];
    const overdue = needingExamAfter(overdueSteps);
    expect([overdue.status, overdue.exam.status]).toEqual(['payments_blocked', 'overdue']);
    const cleared = needingExamAfter([
      ...overdueSteps,
      [{ type: 'MakeExamDetermination', data: { outcome: 'cleared', note: 'ok' } }, '2027-02-02T08:00:00Z'],
    ]);
    expect([cleared.status, cleared.exam.status, cleared.exam.clearedOn]).toEqual(['active', 'cleared', '2027-02-02']);
    const rejected = needingExamAfter([
      ...overdueSteps,
      [{ type: 'MakeExamDetermination', data: { outcome: 'rejected', note: 'no show' } }, '2027-02-02T08:00:00Z'],
    ]);
    // Terminated; the exam stays as it stood (overdue), with the determination beside it.
    expect([rejected.status, rejected.exam.status, rejected.exam.determination, rejected.exam.clearedOn]).toEqual(['terminated', 'overdue', 'rejected', null]);
  });
});

describe("the read side's summary (the state without its payment records)", () => {
  // Payments, a wage change, an exam's whole course and a closing: every kind of event evolve folds.
  const opened: [ContractCommand, string][] = [
    [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
    [{ type: 'ChangeWage', data: { requestedMonthlyPremium: 31_000_000 } }, '2026-12-02T08:00:00Z'],
  ];
  const premium = replay(historyOf(opened))!.monthlyPremium;
  const payOne = (bankReference: string) => pay(1, { bankReference, amount: premium });
  const history = historyOf([
    ...opened,
    [payOne('BR-1'), FIRST_PAYMENT_AT],
    [payOne('BR-2'), '2026-12-20T08:00:00Z'],
    [{ type: 'MarkExamOverdue', data: {} }, '2027-01-31T10:00:00Z'],
    [{ type: 'MakeExamDetermination', data: { outcome: 'cleared', note: 'ok' } }, '2027-02-02T08:00:00Z'],
    [payOne('BR-3'), '2027-02-03T08:00:00Z'],
    [{ type: 'CancelForNonPayment', data: {} }, '2027-06-22T08:00:00Z'],
  ]);

  it('given a history folded on from its summary at any point, when the next events are folded, then the summary is that of the whole state', () => {
    expect(new Set(history.map((event) => event.type)).size).toBeGreaterThanOrEqual(6);
    expect(summaryOf(replay(history)!)).not.toHaveProperty('payments');
    // After every event, from a summary taken after any earlier one.
    for (let end = 1; end <= history.length; end++) {
      const whole = summaryOf(replay(history.slice(0, end))!);
      for (let split = 0; split <= end; split++) {
        expect(foldSummary(foldSummary(undefined, history.slice(0, split)), history.slice(split, end))).toEqual(whole);
      }
    }
  });

  it('given no ContractOpened, when folded, then there is no summary', () => {
    expect(foldSummary(undefined, [])).toBeUndefined();
  });
});

describe('contract view', () => {
  it('has the API shape with Jalali twins', () => {
    const state = needingExamAfter([
      [pay(1), FIRST_PAYMENT_AT],
      [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, '2026-12-06T08:00:00Z'],
    ]);
    expect(contractView(state, 2)).toEqual({
      id: CONTRACT_ID,
      contractNumber: '1405000001',
      contractDate: '2026-12-01',
      contractDateJalali: '1405/09/10',
      nationalCode: '0499370899',
      channel: 'online',
      branchId: '1201',
      status: 'active',
      premiumRate: 0.27,
      wageBasis: 111_111_111,
      monthlyPremium: 30_000_000,
      startDate: '2026-12-01',
      startDateJalali: '1405/09/10',
      paymentDeadline: '2026-12-21',
      paymentDeadlineJalali: '1405/09/30',
      paidThrough: '2026-12-21',
      paidThroughJalali: '1405/09/30',
      exam: {
        requirement: 'required',
        status: 'referred',
        deadline: '2027-01-30',
        deadlineJalali: '1405/11/10',
        referralNumber: 'R-1',
        result: null,
        determination: null,
      },
      revision: 2,
    });
  });
});

describe('pending deadlines', () => {
  it('schedules the lapse and the exam deadline, then the non-payment cancellation once paid and the exam passed', () => {
    expect(pendingDeadlines(needingExamAfter([]), POLICY_1403)).toEqual([
      { command: 'MarkLapsed', dueAt: '2026-12-21T20:30:00.000Z' },
      { command: 'MarkExamOverdue', dueAt: '2027-01-30T20:30:00.000Z' },
    ]);
    // The exam deadline comes first and blocks payments: no cancellation while it is awaited.
    expect(pendingDeadlines(needingExamAfter([[pay(1), FIRST_PAYMENT_AT]]), POLICY_1403)).toEqual([
      { command: 'MarkExamOverdue', dueAt: '2027-01-30T20:30:00.000Z' },
    ]);
    const passed = needingExamAfter([
      [pay(1), FIRST_PAYMENT_AT],
      [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, '2026-12-10T08:00:00Z'],
      [{ type: 'RecordExamResult', data: { result: 'passed' } }, '2026-12-12T08:00:00Z'],
    ]);
    expect(pendingDeadlines(passed, POLICY_1403)).toEqual([{ command: 'CancelForNonPayment', dueAt: '2027-03-20T20:30:00.000Z' }]);
  });

  it('restarts the non-payment clock from a clearance', () => {
    const cleared = needingExamAfter([
      [pay(1), FIRST_PAYMENT_AT],
      [{ type: 'MarkExamOverdue', data: {} }, '2027-01-31T10:00:00Z'],
      [{ type: 'MakeExamDetermination', data: { outcome: 'cleared', note: 'ok' } }, '2027-03-01T08:00:00Z'],
    ]);
    // Cleared on 1405/12/10: three months later is 1406/03/10, so due from 1406/03/11.
    expect(pendingDeadlines(cleared, POLICY_1403)).toEqual([
      { command: 'CancelForNonPayment', dueAt: new Date(`${jalali(1406, 3, 11)}T00:00:00+03:30`).toISOString() },
    ]);
  });

  it('has none once the contract is closed', () => {
    expect(pendingDeadlines(exemptAfter([[{ type: 'MarkLapsed', data: {} }, '2026-12-22T08:00:00Z']]), POLICY_1403)).toEqual(
      [],
    );
    // Nor the exam's, though it was never taken: a void contract has no exam to be overdue.
    expect(pendingDeadlines(needingExamAfter([[{ type: 'MarkLapsed', data: {} }, '2026-12-22T08:00:00Z']]), POLICY_1403)).toEqual([]);
  });
});

describe("a deadline's cause (its events' causation)", () => {
  const referralThenPass: [ContractCommand, string][] = [
    [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, '2026-12-10T08:00:00Z'],
    [{ type: 'RecordExamResult', data: { result: 'passed' } }, '2026-12-12T08:00:00Z'],
  ];
  const historyNeedingExam = (steps: [ContractCommand, string][]) => historyOf([[openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW], ...steps]);

  it('given an opened contract, when its lapse or exam deadline is due, then the open caused it, whatever followed', () => {
    const history = historyNeedingExam([[{ type: 'ChangeWage', data: { requestedMonthlyPremium: 31_000_000 } }, '2026-12-02T08:00:00Z']]);
    expect(deadlineCause(history, { command: 'MarkLapsed', dueAt: '2026-12-21T20:30:00.000Z' })).toBe(0);
    expect(deadlineCause(history, { command: 'MarkExamOverdue', dueAt: '2027-01-30T20:30:00.000Z' })).toBe(0);
  });

  it('given payments, when the non-payment cancellation is due, then the event that last set its date caused it', () => {
    // Pending from the exam's pass (the first payment alone was blocked by the exam deadline) ...
    const passed = historyNeedingExam([[pay(1), FIRST_PAYMENT_AT], ...referralThenPass]);
    const dueAfterFirst = { command: 'CancelForNonPayment', dueAt: '2027-03-20T20:30:00.000Z' } as const;
    expect(deadlineCause(passed, dueAfterFirst)).toBe(passed.findIndex((e) => e.type === 'ExamResultRecorded'));
    // ... and a later payment moves the date: that payment caused the new one, and the old is not pending.
    const paidAgain = historyNeedingExam([[pay(1), FIRST_PAYMENT_AT], ...referralThenPass, [pay(1, { bankReference: 'BR-2' }), '2026-12-20T08:00:00Z']]);
    const [dueAfterSecond] = pendingDeadlines(replay(paidAgain)!, POLICY_1403);
    expect(deadlineCause(paidAgain, dueAfterSecond!)).toBe(paidAgain.length - 1);
    expect(deadlineCause(paidAgain, dueAfterFirst)).toBe(-1);
  });
});

describe('slips and coverage', () => {
  it('lists paid periods and open ones up to the current month', () => {
    const state = exemptAfter([[pay(1), FIRST_PAYMENT_AT]]);
    expect(slipsOf(state, jalali(1405, 11, 5), POLICY_1403)).toEqual([
      { period: '1405-09', periodJalali: '1405/09', amount: 30_000_000, dueDate: '2026-12-21', status: 'paid' },
      { period: '1405-10', periodJalali: '1405/10', amount: 30_000_000, dueDate: jalali(1405, 10, 30), status: 'open' },
      { period: '1405-11', periodJalali: '1405/11', amount: 30_000_000, dueDate: jalali(1405, 11, 30), status: 'open' },
    ]);
  });

  it('makes the first slip due on the payment deadline, later ones on the last day of their month', () => {
    // Concluded on 1405/09/05: the deadline (day 20, 1405/09/25) is not the end of the first period.
    // Paid on time: unpaid past its deadline, the contract would have lapsed (one void slip).
    const now = `${jalali(1405, 9, 5)}T08:00:00Z`;
    const state = replayed([[openOnline({ now }), now], [pay(1), `${jalali(1405, 9, 10)}T08:00:00Z`]]);
    expect(slipsOf(state, jalali(1405, 10, 5), POLICY_1403).map((s) => [s.period, s.dueDate])).toEqual([
      ['1405-09', jalali(1405, 9, 25)],
      ['1405-10', jalali(1405, 10, 30)],
    ]);
  });

  it('blocks slips beyond the exam window and voids them on a closed contract', () => {
    // Paid through 1405-11, the last period starting within the window (deadline 1405/11/10).
    const paidAhead = needingExamAfter([[pay(3), FIRST_PAYMENT_AT]]);
    expect(slipsOf(paidAhead, jalali(1405, 10, 5), POLICY_1403).map((s) => s.status)).toEqual(['paid', 'paid', 'paid', 'blocked']);
    const lapsed = exemptAfter([[{ type: 'MarkLapsed', data: {} }, '2026-12-22T08:00:00Z']]);
    expect(slipsOf(lapsed, jalali(1405, 11, 5), POLICY_1403).map((s) => s.status)).toEqual(['void']);
  });

  it('given a lapse or a non-payment cancellation due but not yet recorded, when slips are asked for, then they are void as on a closed contract', () => {
    // Rule 5: no first payment by the deadline (1405/09/30) voids the contract, recorded or not.
    const unpaid = exemptAfter([]);
    expect(slipsOf(unpaid, jalali(1405, 9, 30), POLICY_1403).map((s) => s.status)).toEqual(['open']);
    expect(slipsOf(unpaid, jalali(1405, 10, 3), POLICY_1403).map((s) => s.status)).toEqual(['void']);
    // More than 3 months after the last paid period (1405-09): cancellable from 1406/01/01.
    const paidOnce = exemptAfter([[pay(1), FIRST_PAYMENT_AT]]);
    expect(slipsOf(paidOnce, jalali(1405, 12, 29), POLICY_1403).map((s) => s.status)).toEqual(['paid', 'open', 'open', 'open']);
    expect(slipsOf(paidOnce, jalali(1406, 1, 1), POLICY_1403).map((s) => s.status)).toEqual(['paid', 'void']);
    // And no cover through any day, as once the cancellation is recorded.
    expect(coverageOn(paidOnce, jalali(1406, 1, 1), POLICY_1403)).toMatchObject({ covered: false, coveredThrough: null });
  });

  it('blocks every unpaid slip once the exam deadline has passed, before ExamOverdue is recorded', () => {
    const pending = needingExamAfter([[pay(1), FIRST_PAYMENT_AT]]);
    expect(slipsOf(pending, jalali(1405, 11, 10), POLICY_1403).map((s) => s.status)).toEqual(['paid', 'open', 'open']);
    expect(slipsOf(pending, jalali(1405, 11, 11), POLICY_1403).map((s) => s.status)).toEqual(['paid', 'blocked', 'blocked']);
  });

  it('covers at once from the first payment while no premium is overdue: through the end of the next unpaid month; inpatient pends on the exam', () => {
    const exempt = exemptAfter([[pay(1), FIRST_PAYMENT_AT]]);
    expect(coverageOn(exempt, '2026-12-05', POLICY_1403)).toEqual({
      covered: true,
      outpatient: true,
      inpatient: 'covered',
      paidThrough: '2026-12-21',
      coveredThrough: jalali(1405, 10, 30), // 1405-10 is due on its last day
    });
    // Paid through 1405/09/30: 1405/10 is covered while its premium can still be paid on time ...
    expect(coverageOn(exempt, jalali(1405, 10, 30), POLICY_1403).covered).toBe(true);
    // ... and not once it is overdue.
    expect(coverageOn(exempt, jalali(1405, 11, 1), POLICY_1403)).toMatchObject({ covered: false, outpatient: false, inpatient: 'not_covered' });
    const pending = needingExamAfter([[pay(1), FIRST_PAYMENT_AT]]);
    expect(coverageOn(pending, '2026-12-05', POLICY_1403).inpatient).toBe('pending_exam');
    expect(coverageOn(pending, '2026-12-05', { ...POLICY_1403, inpatientBeforeExam: 'covered' }).inpatient).toBe(
      'covered',
    );
    expect(coverageOn(exemptAfter([]), '2026-12-05', POLICY_1403)).toMatchObject({ covered: false, inpatient: 'not_covered', coveredThrough: null });
  });

  it('given a contract concluded late in a month, when its first payment is confirmed in the next (on time), then it covers at once (rule 5)', () => {
    const concluded = `${jalali(1405, 9, 28)}T08:00:00Z`;
    const paidLate = replayed([
      [openOnline({ now: concluded }), concluded],
      [pay(1, { paidAt: `${jalali(1405, 10, 2)}T07:00:00Z` }), `${jalali(1405, 10, 2)}T08:00:00Z`],
    ]);
    // The one period paid, 1405/09, is over; 1405/10 is not due before its last day.
    expect(paidLate.paidThrough).toBe(jalali(1405, 9, 30));
    expect(coverageOn(paidLate, jalali(1405, 10, 2), POLICY_1403)).toMatchObject({ covered: true, outpatient: true, coveredThrough: jalali(1405, 10, 30) });
  });

  it('given an exam still awaited, cover runs no later than its deadline: it does not promise days it would take back', () => {
    // Exam deadline 1405/11/10; 1405/09 and 1405/10 paid; 1405/11 is payable (it starts within the window).
    const paidTwo = needingExamAfter([[pay(2), FIRST_PAYMENT_AT]]);
    const before = coverageOn(paidTwo, jalali(1405, 11, 5), POLICY_1403);
    expect(before).toMatchObject({ covered: true, coveredThrough: jalali(1405, 11, 10) });
    expect(coverageOn(paidTwo, jalali(1405, 11, 10), POLICY_1403).covered).toBe(true);
    // Past the deadline payments are blocked: cover ends with the paid days, as promised.
    expect(coverageOn(paidTwo, jalali(1405, 11, 11), POLICY_1403)).toMatchObject({ covered: false, coveredThrough: jalali(1405, 10, 30) });
    // A passed exam lifts the cap: the next month's grace runs to its end.
    const passed = needingExamAfter([
      [pay(2), FIRST_PAYMENT_AT],
      [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, '2026-12-06T08:00:00Z'],
      [{ type: 'RecordExamResult', data: { result: 'passed' } }, '2026-12-07T08:00:00Z'],
    ]);
    expect(coverageOn(passed, jalali(1405, 11, 5), POLICY_1403).coveredThrough).toBe(jalali(1405, 11, 30));
  });

  it('gives no cover past the paid days while the next premium cannot be paid (beyond the exam window, payments blocked)', () => {
    // Paid through 1405/11 with the exam still required: 1405/12 is blocked, so cover ends with 1405/11.
    const paidAhead = needingExamAfter([[pay(3), FIRST_PAYMENT_AT]]);
    expect(coverageOn(paidAhead, jalali(1405, 11, 5), POLICY_1403)).toMatchObject({ covered: true, coveredThrough: jalali(1405, 11, 30) });
    expect(coverageOn(paidAhead, jalali(1405, 12, 1), POLICY_1403).covered).toBe(false);
  });

  it('covers at once even when the contract starts next month: cover does not wait for the start date', () => {
    const startsLater = replayed([
      [openOnline({ startNextMonth: true }), CONTRACT_NOW],
      [pay(1), FIRST_PAYMENT_AT],
    ]);
    expect(startsLater.startDate).toBe('2026-12-22');
    expect(coverageOn(startsLater, '2026-12-05', POLICY_1403)).toMatchObject({ covered: true, outpatient: true });
  });

  it('covers nothing once the contract is terminated, even for periods paid ahead', () => {
    const terminated = needingExamAfter([
      [pay(2), FIRST_PAYMENT_AT],
      [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, '2026-12-06T08:00:00Z'],
      [{ type: 'RecordExamResult', data: { result: 'failed' } }, '2026-12-07T08:00:00Z'],
      [{ type: 'MakeExamDetermination', data: { outcome: 'rejected', note: 'رد شد' } }, '2026-12-08T08:00:00Z'],
    ]);
    expect([terminated.status, terminated.paidThrough]).toEqual(['terminated', jalali(1405, 10, 30)]);
    expect(coverageOn(terminated, '2026-12-09', POLICY_1403).covered).toBe(false);
  });
});
