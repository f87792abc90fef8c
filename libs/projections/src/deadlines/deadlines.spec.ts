import { randomUUID } from 'node:crypto';
import { iranDayStart, isDomainError, type ContractCommand } from '@app/contracts-domain';
import { ContractStreams, type CommandContext } from '@app/contracts-app';
import { PostgresEventStore } from '@app/event-store';
import { ManualClock } from '@app/platform';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { CONTRACT_ID, CONTRACT_NOW, factsNeedingExam, jalali, openOnline, pay } from '../../../contracts-domain/src/testing/fixtures';
import { startProjector, type Projector } from '../projector';
import type { LogEntry } from '../log';
import { waitFor } from '../testing/wait';
import { DeadlineRunner, dueDeadlines } from './deadline-runner';
import { deadlineId, deadlinesProjection } from './deadlines.projection';

const dayStart = (y: number, m: number, d: number) => iranDayStart(jalali(y, m, d));
const noon = (y: number, m: number, d: number) => new Date(dayStart(y, m, d).getTime() + 12 * 3600_000);
const before = (instant: Date) => new Date(instant.getTime() - 1);
/** The first payment deadline is 1405/09/30 (day 20): the lapse is due when 1405/10/01 begins. */
const LAPSE_DUE = dayStart(1405, 10, 1);
/** The exam deadline is 1405/11/10 (2 Jalali months): ExamOverdue is due when 1405/11/11 begins. */
const EXAM_DUE = dayStart(1405, 11, 11);
/** `pool`, noting in `claims` the deadline of each claim (an advisory lock tried) on its connections. */
function noteClaims(pool: Pool, claims: string[]): Pool {
  const bound = (target: object, property: string | symbol): unknown => {
    const value: unknown = Reflect.get(target, property);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const connect = async () => {
    const client = await pool.connect();
    const query = (text: string, values?: unknown[]) => {
      if (text.includes('pg_try_advisory_lock')) claims.push(String(values?.[1]));
      return client.query(text, values);
    };
    return new Proxy(client, { get: (target, property) => (property === 'query' ? query : bound(target, property)) });
  };
  return new Proxy(pool, { get: (target, property) => (property === 'connect' ? connect : bound(target, property)) });
}

/** The lapse's deadline id: the command id it is fired with. */
const LAPSE_ID = deadlineId(CONTRACT_ID, 'MarkLapsed', LAPSE_DUE.toISOString());

describe('deadlines: a durable schedule fired on the manual clock', () => {
  let db: TestDatabase;
  let eventStore: PostgresEventStore;
  let clock: ManualClock;
  let streams: ContractStreams;
  let projector: Projector;

  beforeEach(async () => {
    db = await createTestDatabase();
    eventStore = await PostgresEventStore.create({ pool: db.pool, idlePollMs: 200 });
    clock = new ManualClock(new Date(CONTRACT_NOW));
    streams = new ContractStreams(eventStore, clock);
    // A long poll: anything that fires promptly was woken by the clock or the schedule.
    projector = await startProjector({ pool: db.pool, eventStore, clock, log: () => undefined, projections: [deadlinesProjection], deadlinePollMs: 60_000 });
  });
  afterEach(async () => {
    await projector.stop();
    await eventStore.close();
    await db.drop();
  });

  const context = (): CommandContext => ({ actor: { sub: 'test', role: 'applicant' }, channel: 'online', correlationId: randomUUID(), commandId: randomUUID() });
  const run = (command: ContractCommand, at: Date) => {
    clock.set(at);
    return streams.execute(CONTRACT_ID, command, context());
  };
  const types = async () => (await eventStore.readStream(`contract-${CONTRACT_ID}`)).map((event) => event.type);
  /** Until the schedule includes the contract's last event (the head may lag behind an open transaction). */
  const caughtUp = async () => {
    const last = (await eventStore.readStream(`contract-${CONTRACT_ID}`)).at(-1)!.position;
    await waitFor(async () => (await projector.status()).every((s) => BigInt(s.position) >= last), 'the schedule to catch up');
  };
  const schedule = async () =>
    (await db.pool.query<{ command: string; due_at: Date }>('SELECT command, due_at FROM projection_deadlines.schedule ORDER BY due_at')).rows;

  const firings = async () => (await db.pool.query('SELECT deadline_id, command, outcome FROM deadline_firings ORDER BY deadline_id')).rows;

  /**
   * A runner of its own whose every firing attempt is noted in `attempts` (by deadline id: the
   * command id); the first attempt of all waits for `hold` before it runs, holding its claim.
   */
  async function attemptingRunner(attempts: string[], hold?: Promise<void>, pool: Pool = db.pool) {
    const streams = new ContractStreams(eventStore, clock);
    const execute = streams.execute.bind(streams);
    streams.execute = async (contractId, command, commandContext) => {
      attempts.push(commandContext.commandId!);
      if (attempts.length === 1) await hold;
      return execute(contractId, command, commandContext);
    };
    return DeadlineRunner.create({ pool, streams, clock, log: () => undefined });
  }

  /** Moves the clock and lets the runner do whatever is due (it is woken by the clock itself). */
  async function advanceTo(at: Date) {
    await caughtUp();
    clock.set(at);
    await projector.runDueDeadlines();
  }

  describe('first payment: 20 days', () => {
    beforeEach(async () => {
      await run(openOnline(), new Date(CONTRACT_NOW));
      await caughtUp();
    });

    it('schedules the lapse for the start of day 21', async () => {
      expect(await schedule()).toEqual([{ command: 'MarkLapsed', due_at: LAPSE_DUE }]);
    });

    it('does nothing on day 20, up to its last millisecond', async () => {
      await advanceTo(noon(1405, 9, 30));
      await advanceTo(before(LAPSE_DUE));
      expect(await types()).toEqual(['ContractOpened']);
    });

    it('lapses the contract promptly when the clock reaches day 21', async () => {
      clock.set(LAPSE_DUE);
      await waitFor(async () => (await types()).includes('ContractLapsed'), 'the lapse', 3_000);
      expect(await types()).toEqual(['ContractOpened', 'ContractLapsed']);
      await caughtUp();
      expect(await schedule()).toEqual([]);
    });

    it("names the open as the lapse's cause, and the deadline as its command and correlation", async () => {
      clock.set(LAPSE_DUE);
      await waitFor(async () => (await types()).includes('ContractLapsed'), 'the lapse', 3_000);
      const [opened, lapsed] = await eventStore.readStream(`contract-${CONTRACT_ID}`);
      expect(opened!.metadata.causationId).toBe(opened!.metadata.commandId);
      expect(lapsed!.metadata).toMatchObject({ causationId: opened!.id, commandId: LAPSE_ID, correlationId: LAPSE_ID });
    });

    it('does nothing once the contract is paid: the deadline leaves the schedule', async () => {
      await run(pay(1), noon(1405, 9, 30));
      await caughtUp();
      expect((await schedule()).map((row) => row.command)).toEqual(['CancelForNonPayment']);
      await advanceTo(noon(1405, 10, 2));
      expect(await types()).toEqual(['ContractOpened', 'PaymentConfirmed']);
    });

    it('lets exactly one of a payment and the lapse win at the same instant: the lapse, as the rules say', async () => {
      clock.set(LAPSE_DUE);
      const [payment] = await Promise.allSettled([streams.execute(CONTRACT_ID, pay(1), context()), projector.runDueDeadlines()]);
      expect(payment.status).toBe('rejected');
      const refusal = (payment as PromiseRejectedResult).reason;
      expect(isDomainError(refusal) && refusal.code).toBe('PAYMENT_DEADLINE_PASSED');
      await waitFor(async () => (await types()).length === 2, 'the lapse');
      expect(await types()).toEqual(['ContractOpened', 'ContractLapsed']);
    });

    it('lets the payment win a millisecond before: the lapse then has nothing to do', async () => {
      clock.set(before(LAPSE_DUE));
      await streams.execute(CONTRACT_ID, pay(1), context());
      clock.set(LAPSE_DUE);
      await projector.runDueDeadlines();
      await caughtUp();
      await projector.runDueDeadlines();
      expect(await types()).toEqual(['ContractOpened', 'PaymentConfirmed']);
    });

    it('fires once in effect across a crash between the append and the record, and duplicate runners', async () => {
      // A runner appended the lapse and died before recording it; the schedule has not caught up
      // (the projector is stopped), so the row is still due when runners come back, three at once.
      await projector.stop();
      // Its own clock: moving the shared one would wake this projector's runner first.
      const crashed = new ContractStreams(eventStore, new ManualClock(LAPSE_DUE));
      await crashed.execute(CONTRACT_ID, { type: 'MarkLapsed', data: {} }, { ...context(), commandId: LAPSE_ID });
      clock.set(LAPSE_DUE);
      // The runner that claims it first holds its claim until the other two are done: they must leave it.
      const attempts: string[] = [];
      let othersDone!: () => void;
      const hold = new Promise<void>((resolve) => (othersDone = resolve));
      const runners = await Promise.all([1, 2, 3].map(() => attemptingRunner(attempts, hold)));
      let finished = 0;
      const recorded = await Promise.all(
        runners.map((runner) =>
          runner.runDue().finally(() => {
            if (++finished === 2) othersDone();
          }),
        ),
      );
      expect(attempts).toEqual([LAPSE_ID]);
      expect(recorded.sort()).toEqual([0, 0, 1]);
      expect(await types()).toEqual(['ContractOpened', 'ContractLapsed']);
      expect(await firings()).toEqual([{ deadline_id: LAPSE_ID, command: 'MarkLapsed', outcome: 'nothing_to_do' }]);
      await Promise.all(runners.map((runner) => runner.stop()));
    });

    it('does not fire again what another runner fired between its read and its claim', async () => {
      await projector.stop();
      // A second row for the same lapse, due a millisecond earlier, as a stale schedule might hold.
      const stale = randomUUID();
      await db.pool.query('INSERT INTO projection_deadlines.schedule (deadline_id, contract_id, command, due_at) VALUES ($1, $2, $3, $4)', [
        stale,
        CONTRACT_ID,
        'MarkLapsed',
        before(LAPSE_DUE),
      ]);
      clock.set(LAPSE_DUE);
      const attempts: string[] = [];
      let release!: () => void;
      const [first, second] = await Promise.all([attemptingRunner(attempts, new Promise((resolve) => (release = resolve))), attemptingRunner(attempts)]);
      // The first reads both rows and is held on the stale one...
      const firstRun = first.runDue();
      await waitFor(async () => attempts.length === 1, 'the first attempt');
      // ...while the second, leaving the claimed row, fires the lapse and records it...
      const secondRecorded = await second.runDue();
      release();
      // ...so that the first, claiming the lapse after that, finds it recorded and leaves it.
      expect([await firstRun, secondRecorded]).toEqual([1, 1]);
      expect(attempts).toEqual([stale, LAPSE_ID]);
      expect(await types()).toEqual(['ContractOpened', 'ContractLapsed']);
      const recorded = await firings();
      expect(recorded).toHaveLength(2);
      expect(recorded).toEqual(
        expect.arrayContaining([
          { deadline_id: LAPSE_ID, command: 'MarkLapsed', outcome: 'fired' },
          { deadline_id: stale, command: 'MarkLapsed', outcome: 'nothing_to_do' },
        ]),
      );
      await Promise.all([first.stop(), second.stop()]);
    });

    it('leaves a deadline the contract has not reached unrecorded, and fires it once it has', async () => {
      await projector.stop();
      // Due an hour early, as a row the projection has not updated yet (or a clock set back) would be.
      const early = new Date(LAPSE_DUE.getTime() - 3600_000);
      await db.pool.query('UPDATE projection_deadlines.schedule SET due_at = $1 WHERE deadline_id = $2', [early, LAPSE_ID]);
      clock.set(early);
      const attempts: string[] = [];
      const runner = await attemptingRunner(attempts);
      expect(await runner.runDue()).toBe(0);
      expect(attempts).toEqual([LAPSE_ID]);
      expect(await firings()).toEqual([]);
      clock.set(LAPSE_DUE);
      expect(await runner.runDue()).toBe(1);
      expect(attempts).toEqual([LAPSE_ID, LAPSE_ID]);
      expect(await types()).toEqual(['ContractOpened', 'ContractLapsed']);
      expect(await firings()).toEqual([{ deadline_id: LAPSE_ID, command: 'MarkLapsed', outcome: 'fired' }]);
      await runner.stop();
    });

    it('fires a deadline due after others that keep failing: they do not hold it back', async () => {
      await caughtUp();
      await projector.stop();
      // Three rows due earlier whose contracts do not exist: each fails and stays unrecorded.
      for (const minutes of [3, 2, 1]) {
        await db.pool.query('INSERT INTO projection_deadlines.schedule (deadline_id, contract_id, command, due_at) VALUES ($1, $2, $3, $4)', [
          randomUUID(),
          randomUUID(),
          'MarkLapsed',
          new Date(LAPSE_DUE.getTime() - minutes * 60_000),
        ]);
      }
      clock.set(LAPSE_DUE);
      const runner = await DeadlineRunner.create({ pool: db.pool, streams: new ContractStreams(eventStore, clock), clock, log: () => undefined, batchSize: 2 });
      expect(await runner.runDue()).toBe(1);
      expect(await types()).toEqual(['ContractOpened', 'ContractLapsed']);
      await runner.stop();
    });

    it('tries a deadline whose command fails again after a backoff, not on every round', async () => {
      await caughtUp();
      await projector.stop();
      const deadlineId = randomUUID();
      const failingRow = [deadlineId, randomUUID() /* no such contract: its command fails */, 'MarkLapsed', new Date(LAPSE_DUE.getTime() - 60_000)];
      const schedule = () => db.pool.query('INSERT INTO projection_deadlines.schedule (deadline_id, contract_id, command, due_at) VALUES ($1, $2, $3, $4)', failingRow);
      await schedule();
      clock.set(LAPSE_DUE);
      const wallClock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
      const failures: LogEntry[] = [];
      const log = (entry: LogEntry) => entry.msg === 'deadline failed' && failures.push(entry);
      const runner = await DeadlineRunner.create({ pool: db.pool, streams: new ContractStreams(eventStore, clock), clock, log, wallClock });
      expect(await runner.runDue()).toBe(1); // the contract's own lapse
      await runner.runDue();
      await runner.runDue();
      expect(failures).toEqual([expect.objectContaining({ deadlineId, attempts: 1, retryInMs: 1_000 })]);
      wallClock.set(new Date(wallClock.now().getTime() + 1_000));
      await runner.runDue();
      await runner.runDue();
      expect(failures.map((entry) => [entry.attempts, entry.retryInMs])).toEqual([[1, 1_000], [2, 2_000]]);
      // What /metrics shows: the failing deadline, due and not recorded since its time.
      expect(await dueDeadlines(db.pool, clock.now())).toEqual({ count: 1, oldestDueAt: new Date(LAPSE_DUE.getTime() - 60_000) });

      // Gone from the schedule, it is forgotten: back again, it is tried at once, as a first attempt.
      await db.pool.query('DELETE FROM projection_deadlines.schedule WHERE deadline_id = $1', [deadlineId]);
      await runner.runDue();
      await schedule();
      await runner.runDue();
      expect(failures.map((entry) => entry.attempts)).toEqual([1, 2, 1]);
      await runner.stop();

      // Where no runner ever started (the manual clock with the projector apart), every due row counts.
      await db.pool.query('DROP TABLE deadline_firings');
      expect(await dueDeadlines(db.pool, clock.now())).toEqual({ count: 2, oldestDueAt: new Date(LAPSE_DUE.getTime() - 60_000) });
    });

    it('remembers what it fired, before the schedule has caught up and across a restart: claims it no more', async () => {
      await projector.stop(); // the schedule keeps listing the lapse after it fired
      clock.set(LAPSE_DUE);
      const claims: string[] = [];
      const attempts: string[] = [];
      const runner = await attemptingRunner(attempts, undefined, noteClaims(db.pool, claims));
      expect(await runner.runDue()).toBe(1);
      expect(await runner.runDue()).toBe(0);
      await runner.stop();
      const restarted = await attemptingRunner(attempts, undefined, noteClaims(db.pool, claims));
      expect(await restarted.runDue()).toBe(0);
      await restarted.stop();
      expect(await schedule()).toEqual([{ command: 'MarkLapsed', due_at: LAPSE_DUE }]);
      expect({ claims, attempts }).toEqual({ claims: [LAPSE_ID], attempts: [LAPSE_ID] });
    });

    it('remembers what fired across a restart and fires nothing again', async () => {
      await advanceTo(LAPSE_DUE);
      await projector.stop();
      projector = await startProjector({ pool: db.pool, eventStore, clock, log: () => undefined, projections: [deadlinesProjection] });
      await advanceTo(noon(1405, 10, 5));
      expect(await types()).toEqual(['ContractOpened', 'ContractLapsed']);
      const { rows } = await db.pool.query('SELECT command, outcome FROM deadline_firings');
      expect(rows).toEqual([{ command: 'MarkLapsed', outcome: 'fired' }]);
    });
  });

  describe('exam: 2 months from the contract date', () => {
    beforeEach(async () => {
      await run(openOnline({ facts: factsNeedingExam() }), new Date(CONTRACT_NOW));
      await run(pay(1), noon(1405, 9, 15));
      await run({ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }, noon(1405, 9, 16));
      await caughtUp();
    });

    it('is not overdue a day before nor on the deadline day itself', async () => {
      await advanceTo(noon(1405, 11, 9));
      await advanceTo(before(EXAM_DUE));
      expect(await types()).not.toContain('ExamOverdue');
    });

    it('is overdue from the day after the deadline', async () => {
      await advanceTo(noon(1405, 11, 11));
      expect(await types()).toEqual(['ContractOpened', 'PaymentConfirmed', 'ExamReferralIssued', 'ExamOverdue']);
    });

    it('never fires for an exam passed on the last day, even if the schedule has not caught up', async () => {
      await run({ type: 'RecordExamResult', data: { result: 'passed' } }, new Date(EXAM_DUE.getTime() - 60_000));
      clock.set(EXAM_DUE);
      await projector.runDueDeadlines(); // the schedule may still hold the exam deadline
      await caughtUp();
      await projector.runDueDeadlines();
      expect(await types()).toEqual(['ContractOpened', 'PaymentConfirmed', 'ExamReferralIssued', 'ExamResultRecorded']);
      expect((await schedule()).map((row) => row.command)).toEqual(['CancelForNonPayment']);
    });
  });
});
