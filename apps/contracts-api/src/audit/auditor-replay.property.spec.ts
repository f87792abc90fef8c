import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ContractStreams, fold } from '@app/contracts-app';
import { DomainError, contractView, type ContractCommand } from '@app/contracts-domain';
import { ManualClock } from '@app/platform';
import { CONTRACT_NOW, factsNeedingExam, openOnline, pay } from '../../../../libs/contracts-domain/src/testing/fixtures';
import { context } from '../../../../libs/projections/src/testing/contracts';
import { bearer } from '../../../../test/e2e/support/scenario';
import { startTestApp, type TestApp } from '../../../../test/e2e/support/test-app';

/** Commands a history may hold after the open; the decider refuses those that do not fit, and they are skipped. */
const step: fc.Arbitrary<ContractCommand> = fc.oneof(
  fc.integer({ min: 1, max: 3 }).map((periods) => pay(periods, { bankReference: `BR-${randomUUID()}` })),
  fc.integer({ min: 10_000_000, max: 60_000_000 }).map((requestedMonthlyPremium): ContractCommand => ({ type: 'ChangeWage', data: { requestedMonthlyPremium } })),
  fc.constant<ContractCommand>({ type: 'IssueExamReferral', data: { referralNumber: 'R-1' } }),
  fc.constantFrom<'passed' | 'failed'>('passed', 'failed').map((result): ContractCommand => ({ type: 'RecordExamResult', data: { result } })),
  fc.constantFrom<'cleared' | 'rejected'>('cleared', 'rejected').map((outcome): ContractCommand => ({ type: 'MakeExamDetermination', data: { outcome, note: 'n' } })),
  fc.constant<ContractCommand>({ type: 'MarkLapsed', data: {} }),
  fc.constant<ContractCommand>({ type: 'MarkExamOverdue', data: {} }),
);

describe('auditor replay (property): /state at every revision and instant equals the fold of the history up to it', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    // Deadlines would fire on their own as the clock moves; this test issues the deadline commands itself.
    t = await startTestApp({ PROJECTOR: 'off' });
    auditor = t.token({ role: 'auditor' });
  });
  afterAll(() => t?.close());

  it('holds for random histories', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.tuple(step, fc.integer({ min: 1, max: 20 * 24 * 60 })), { minLength: 1, maxLength: 10 }),
        async (needsExam, steps) => {
          const contractId = randomUUID();
          const clock = new ManualClock(new Date(CONTRACT_NOW));
          const streams = new ContractStreams(t.runtime.eventStore, clock);
          await streams.execute(contractId, openOnline({ contractId, ...(needsExam ? { facts: factsNeedingExam() } : {}) }), context());
          for (const [command, minutesLater] of steps) {
            clock.set(new Date(clock.now().getTime() + minutesLater * 60_000));
            try {
              await streams.execute(contractId, command, context());
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
            }
          }
          const { events } = await streams.history(contractId);
          for (let revision = 0; revision < events.length; revision++) {
            const expected = JSON.parse(JSON.stringify(contractView(fold(events.slice(0, revision + 1))!, revision)));
            const byRevision = await t.http().get(`/v1/contracts/${contractId}/state?revision=${revision}`).set(bearer(auditor)).expect(200);
            expect(byRevision.body).toEqual(expected);
            // Each command ran at a later instant, but one command may append several events at the
            // same instant (a rejection: determination + termination): as of an event's instant, the
            // state is the prefix of every event that happened by then.
            const instant = events[revision]!.metadata.occurredAt;
            const last = events.findLastIndex((e) => e.metadata.occurredAt <= instant);
            const expectedAsOf = JSON.parse(JSON.stringify(contractView(fold(events.slice(0, last + 1))!, last)));
            const asOf = await t.http().get(`/v1/contracts/${contractId}/state`).query({ asOf: instant }).set(bearer(auditor)).expect(200);
            expect(asOf.body).toEqual(expectedAsOf);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
