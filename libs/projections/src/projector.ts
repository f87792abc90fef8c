import type { Pool } from 'pg';
import { ContractStreams, PostgresSnapshots } from '@app/contracts-app';
import type { EventStore } from '@app/event-store';
import type { Clock } from '@app/platform';
import { billingProjection } from './billing/billing.projection';
import { DeadlineRunner } from './deadlines/deadline-runner';
import { deadlinesProjection } from './deadlines/deadlines.projection';
import { eligibilityProjection } from './eligibility/eligibility.projection';
import type { Log } from './log';
import type { Projection } from './projection';
import { ProjectionRunner, type ProjectionStatus } from './runner';
import { SharedReader } from './shared-reader';
import { auditChainProjection } from './audit/audit-chain.projection';
import { dashboardProjection } from './dashboard/dashboard.projection';

export const PROJECTIONS: readonly Projection[] = [
  billingProjection,
  eligibilityProjection,
  deadlinesProjection,
  dashboardProjection,
  auditChainProjection,
];

export interface ProjectorOptions {
  pool: Pool;
  eventStore: EventStore;
  /** The business clock: deadlines fire by it (a ManualClock's changes wake the runner). */
  clock: Clock;
  log: Log;
  /** Defaults to all of them; tests run a subset or wrapped ones. */
  projections?: readonly Projection[];
  /** Run the deadline runner too (default true). */
  deadlines?: boolean;
  batchSize?: number;
  standbyPollMs?: number;
  deadlinePollMs?: number;
}

export interface Projector {
  /** Each projection's checkpoint, head and lag, for /health/ready and /metrics. */
  status(): Promise<ProjectionStatus[]>;
  /** Fires the deadlines due now and resolves when done (e.g. right after a test clock change). */
  runDueDeadlines(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The projector: one runner per projection (each its own checkpoint, transaction and lease, all
 * reading through one `SharedReader`, so the store is read once rather than once each) and
 * the deadline runner, woken whenever the schedule changes. Runs inside the API process by
 * default, or alone (apps/projector); any number of processes may run it, one owns each projection.
 */
export async function startProjector(options: ProjectorOptions): Promise<Projector> {
  const { pool, eventStore, clock, log } = options;
  const deadlines =
    options.deadlines === false
      ? undefined
      : await DeadlineRunner.create({ pool, streams: new ContractStreams(eventStore, clock, await PostgresSnapshots.create(pool)), clock, log, pollMs: options.deadlinePollMs });
  const reader = new SharedReader(eventStore);
  const runners = (options.projections ?? PROJECTIONS).map(
    (projection) =>
      new ProjectionRunner({
        pool,
        eventStore,
        reader,
        projection,
        log,
        batchSize: options.batchSize,
        standbyPollMs: options.standbyPollMs,
        onCommitted: projection.name === deadlinesProjection.name ? () => deadlines?.wake() : undefined,
      }),
  );
  for (const runner of runners) runner.start();
  deadlines?.start();
  return {
    status: () => Promise.all(runners.map((runner) => runner.status())),
    runDueDeadlines: () => deadlines?.runDue() ?? Promise.resolve(0),
    async stop() {
      await deadlines?.stop();
      await Promise.all(runners.map((runner) => runner.stop()));
      await reader.stop();
    },
  };
}
