import { cancellationDueAt, evolve, iranDayStart, policyFor, type ContractCommand, type ContractEvent, type ContractState } from '@app/contracts-domain';
import { CONTRACT_NOW, factsNeedingExam, historyOf, jalali, openOnline, pay } from '../../contracts-domain/src/testing/fixtures';
import { loadNotificationConfig } from './config';
import { DEFAULT_REMINDERS, messagesFor, reminderAt, reminderObsolete } from './messages';

const at = (iso: string) => new Date(iso);
const stateOf = (events: ContractEvent[]) => events.reduce<ContractState | undefined>(evolve, undefined)!;
const drafts = (event: ContractEvent, occurredAt: string, reminders = DEFAULT_REMINDERS) =>
  messagesFor(event, '1405000001', at(occurredAt), reminders).map(({ template, notBefore }) => ({ template, notBefore: notBefore.toISOString() }));

describe('which messages an event calls for', () => {
  it('tells of the conclusion at once and schedules the payment reminder at 09:00 Iran time, N days before the deadline', () => {
    const [opened] = historyOf([[openOnline(), CONTRACT_NOW]]);
    // Deadline 1405/09/30 (2026-12-21); 5 days before is 1405/09/25 = 2026-12-16, 09:00 +03:30 = 05:30Z.
    expect(drafts(opened!, CONTRACT_NOW)).toEqual([
      { template: 'contract_concluded', notBefore: CONTRACT_NOW.replace('Z', '.000Z') },
      { template: 'payment_reminder', notBefore: '2026-12-16T05:30:00.000Z' },
    ]);
    expect(drafts(opened!, CONTRACT_NOW, { ...DEFAULT_REMINDERS, paymentReminderDays: 3 })[1]).toEqual({
      template: 'payment_reminder',
      notBefore: '2026-12-18T05:30:00.000Z',
    });
  });

  it('adds the exam undertaking and its reminder two weeks before the exam deadline when the exam is required', () => {
    const [opened] = historyOf([[openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW]]);
    // Exam deadline 1405/11/10 (2027-01-30); 14 days before is 2027-01-16.
    expect(drafts(opened!, CONTRACT_NOW).map((d) => d.template)).toEqual(['contract_concluded', 'payment_reminder', 'exam_required', 'exam_reminder']);
    expect(drafts(opened!, CONTRACT_NOW)[3]).toEqual({ template: 'exam_reminder', notBefore: '2027-01-16T05:30:00.000Z' });
  });

  it('still schedules both reminders at the longest settings the configuration takes, for the shortest exam window', () => {
    const { reminders } = loadNotificationConfig({ dataDir: '/tmp' }, { SMS_PAYMENT_REMINDER_DAYS: '19', SMS_EXAM_REMINDER_DAYS: '58' });
    // Concluded on 1404/11/30 late in the evening: the exam deadline 1405/01/30 is 59 days on
    // (Esfand 1404 has 29), the shortest two Jalali months; the payment deadline 20 days on.
    const late = `${jalali(1404, 11, 30)}T20:00:00Z`; // 23:30 Iran time, the same day
    const [opened] = historyOf([[openOnline({ facts: factsNeedingExam({ lastContributionDate: jalali(1403, 12, 1) }), now: late }), late]]);
    const templates = drafts(opened!, late, reminders).map((d) => d.template);
    expect(templates).toEqual(['contract_concluded', 'payment_reminder', 'exam_required', 'exam_reminder']);
  });

  it('leaves out a reminder whose day is not after the event', () => {
    const [opened] = historyOf([[openOnline(), CONTRACT_NOW]]);
    expect(drafts(opened!, CONTRACT_NOW, { ...DEFAULT_REMINDERS, paymentReminderDays: 20 }).map((d) => d.template)).toEqual(['contract_concluded']);
  });

  it('tells of payments, wage changes, exam overdue and clearance, lapse, cancellation and termination; not of referrals or results', () => {
    const exam = (type: 'IssueExamReferral' | 'RecordExamResult', data: object) => ({ type, data }) as never;
    const history = historyOf([
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      [{ type: 'ChangeWage', data: { requestedMonthlyPremium: 31_000_000 } }, '2026-12-02T08:00:00Z'],
      [pay(1, { amount: 31_000_000 }), '2026-12-05T08:00:00Z'],
      [exam('IssueExamReferral', { referralNumber: 'R-1' }), '2026-12-06T08:00:00Z'],
      [exam('RecordExamResult', { result: 'failed' }), '2026-12-07T08:00:00Z'],
      [{ type: 'MarkExamOverdue', data: {} }, iranDayStart(jalali(1405, 11, 11)).toISOString()],
      [{ type: 'MakeExamDetermination', data: { outcome: 'cleared', note: 'ok' } }, '2027-02-01T08:00:00Z'],
      [{ type: 'CancelForNonPayment', data: {} }, '2027-08-01T08:00:00Z'],
    ]);
    expect(history.flatMap((event) => messagesFor(event, '1405000001', at(CONTRACT_NOW), DEFAULT_REMINDERS).map((d) => d.template))).toEqual([
      'contract_concluded',
      'payment_reminder',
      'exam_required',
      'exam_reminder',
      'wage_changed',
      'payment_confirmed',
      'exam_overdue',
      'exam_cleared',
      'contract_cancelled',
    ]);
    const rejected = historyOf([
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      [pay(1), '2026-12-05T08:00:00Z'],
      [exam('IssueExamReferral', { referralNumber: 'R-1' }), '2026-12-06T08:00:00Z'],
      [exam('RecordExamResult', { result: 'failed' }), '2026-12-07T08:00:00Z'],
      [{ type: 'MakeExamDetermination', data: { outcome: 'rejected', note: 'no' } }, '2026-12-08T08:00:00Z'],
    ]);
    expect(rejected.slice(-2).flatMap((event) => messagesFor(event, '1405000001', at(CONTRACT_NOW), DEFAULT_REMINDERS).map((d) => d.template))).toEqual([
      'contract_terminated',
    ]);
    const lapsed = historyOf([
      [openOnline(), CONTRACT_NOW],
      [{ type: 'MarkLapsed', data: {} }, iranDayStart(jalali(1405, 10, 1)).toISOString()],
    ]);
    expect(messagesFor(lapsed[1]!, '1405000001', at(CONTRACT_NOW), DEFAULT_REMINDERS).map((d) => d.render())).toEqual([
      'قرارداد بیمه اختیاری ۱۴۰۵۰۰۰۰۰۱ به دلیل پرداخت نشدن حق بیمه تا ۱۴۰۵/۰۹/۳۰ باطل شد. تأمین اجتماعی',
    ]);
  });
});

describe('what a deadline passing says goes out in the morning', () => {
  const midnight = iranDayStart(jalali(1406, 1, 10));
  it.each([
    ['a lapse', [[openOnline(), CONTRACT_NOW], [{ type: 'MarkLapsed', data: {} }, midnight.toISOString()]]],
    ['an overdue exam', [[openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW], [pay(1), '2026-12-05T08:00:00Z'], [{ type: 'MarkExamOverdue', data: {} }, midnight.toISOString()]]],
    ['a cancellation for non-payment', [[openOnline(), CONTRACT_NOW], [pay(1), '2026-12-05T08:00:00Z'], [{ type: 'CancelForNonPayment', data: {} }, midnight.toISOString()]]],
  ] as const)('given %s the runner records at the start of the Iran day, then its message is due at 09:00 that day; recorded later, at once', (_what, steps) => {
    const event = historyOf(steps as never).at(-1)!;
    const notBefore = (at: Date) => messagesFor(event, '1405000001', at, DEFAULT_REMINDERS).map((d) => d.notBefore.toISOString());
    expect(notBefore(midnight)).toEqual([new Date(midnight.getTime() + 9 * 3_600_000).toISOString()]);
    const afternoon = new Date(midnight.getTime() + 15 * 3_600_000);
    expect(notBefore(afternoon)).toEqual([afternoon.toISOString()]);
  });

  it("given a bank's confirmation at night, then it is told at once: the applicant just paid", () => {
    const [, paid] = historyOf([[openOnline(), CONTRACT_NOW], [pay(1), '2026-12-05T22:00:00Z']]);
    expect(messagesFor(paid!, '1405000001', new Date('2026-12-05T22:00:00Z'), DEFAULT_REMINDERS)[0]!.notBefore).toEqual(new Date('2026-12-05T22:00:00Z'));
  });
});

describe('a reminder is sent only while its reason holds', () => {
  const deadline = jalali(1405, 9, 30);
  const opened = historyOf([[openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW]]);
  const reminderDay = reminderAt(deadline, 5);

  it('sends the payment reminder while nothing is paid and the deadline has not passed', () => {
    expect(reminderObsolete('payment_reminder', stateOf(opened), reminderDay)).toBeNull();
    expect(reminderObsolete('payment_reminder', stateOf(opened), new Date(iranDayStart(jalali(1405, 10, 1)).getTime() - 1))).toBeNull();
    expect(reminderObsolete('payment_reminder', stateOf(opened), iranDayStart(jalali(1405, 10, 1)))).toBe('contract lapsed');
  });

  it('drops the exam reminder of a contract whose lapse is due, recorded by the deadline runner or not', () => {
    // Never paid: void from 1405/10/01 on; its exam reminder is due 14 days before the exam deadline.
    const examReminderDay = reminderAt(stateOf(opened).exam.deadline!, 14);
    expect(examReminderDay > iranDayStart(jalali(1405, 10, 1))).toBe(true);
    expect(reminderObsolete('exam_reminder', stateOf(opened), examReminderDay)).toBe('contract lapsed');
    expect(reminderObsolete('exam_reminder', stateOf(opened), reminderDay)).toBeNull();
  });

  it('drops a reminder of a contract whose non-payment cancellation is due, recorded or not', () => {
    // No default setting puts an exam reminder that late; the rule still holds for any that would.
    const paidOnce = stateOf(historyOf([[openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW], [pay(1), '2026-12-05T08:00:00Z']]));
    const waitingForExam: ContractState = { ...paidOnce, exam: { ...paidOnce.exam, deadline: jalali(1406, 12, 1) } };
    const due = cancellationDueAt(waitingForExam, policyFor(waitingForExam, new Date(CONTRACT_NOW)))!;
    expect(reminderObsolete('exam_reminder', waitingForExam, new Date(due.getTime() - 1))).toBeNull();
    expect(reminderObsolete('exam_reminder', waitingForExam, due)).toBe('contract cancelled');
  });

  it('drops the payment reminder once paid, and the exam reminder once the exam is passed', () => {
    const paid = historyOf([
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      [pay(1), '2026-12-05T08:00:00Z'],
      [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, '2026-12-06T08:00:00Z'],
    ]);
    expect(reminderObsolete('payment_reminder', stateOf(paid), reminderDay)).toBe('first payment made');
    expect(reminderObsolete('exam_reminder', stateOf(paid), reminderAt(jalali(1405, 11, 10), 14))).toBeNull();
    const passed = historyOf([
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      [pay(1), '2026-12-05T08:00:00Z'],
      [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, '2026-12-06T08:00:00Z'],
      [{ type: 'RecordExamResult', data: { result: 'passed' } }, '2026-12-07T08:00:00Z'],
    ]);
    expect(reminderObsolete('exam_reminder', stateOf(passed), reminderAt(jalali(1405, 11, 10), 14))).toBe('exam passed');
  });

  it('drops the exam reminder once its deadline has passed (a dispatcher that was down, a clock moved on)', () => {
    const referred = stateOf(
      historyOf([
        [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
        [pay(1), '2026-12-05T08:00:00Z'],
        [{ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, '2026-12-06T08:00:00Z'],
      ]),
    );
    const dayAfter = iranDayStart(jalali(1405, 11, 11));
    expect(reminderObsolete('exam_reminder', referred, new Date(dayAfter.getTime() - 1))).toBeNull();
    expect(reminderObsolete('exam_reminder', referred, dayAfter)).toBe('exam deadline passed');
  });

  it("drops the exam overdue notice, held until 09:00, when a branch's determination came first", () => {
    const overdueAt = iranDayStart(jalali(1405, 11, 11));
    const nine = new Date(overdueAt.getTime() + 9 * 3_600_000);
    const overdue: Array<[ContractCommand, string]> = [
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      [pay(1), '2026-12-05T08:00:00Z'],
      [{ type: 'MarkExamOverdue', data: {} }, overdueAt.toISOString()],
    ];
    const decidedAt = new Date(overdueAt.getTime() + 8 * 3_600_000).toISOString();
    expect(reminderObsolete('exam_overdue', stateOf(historyOf(overdue)), nine)).toBeNull();
    const cleared = historyOf([...overdue, [{ type: 'MakeExamDetermination', data: { outcome: 'cleared', note: 'ok' } }, decidedAt]]);
    expect(reminderObsolete('exam_overdue', stateOf(cleared), nine)).toBe('exam cleared');
    const rejected = historyOf([...overdue, [{ type: 'MakeExamDetermination', data: { outcome: 'rejected', note: 'no' } }, decidedAt]]);
    expect(reminderObsolete('exam_overdue', stateOf(rejected), nine)).toBe('contract terminated');
  });

  it('drops every reminder of a closed contract', () => {
    const lapsed = historyOf([
      [openOnline({ facts: factsNeedingExam() }), CONTRACT_NOW],
      [{ type: 'MarkLapsed', data: {} }, iranDayStart(jalali(1405, 10, 1)).toISOString()],
    ]);
    expect(reminderObsolete('exam_reminder', stateOf(lapsed), reminderDay)).toBe('contract lapsed');
    expect(reminderObsolete('payment_reminder', undefined, reminderDay)).toBe('contract not found');
  });
});
