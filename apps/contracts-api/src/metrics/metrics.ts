import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerAppendWaitMetric, registerProjectionMetrics, type ProjectionStatus } from '@app/projections';
import type { SmsCountsSource } from '../dashboard/sms-counts';
import type { AppendWatch } from '@app/event-store';

export const PROJECTION_STATUS = Symbol('PROJECTION_STATUS');
/** Each projection's checkpoint, head and lag (the projector's `status`). */
export type ProjectionStatusSource = () => Promise<ProjectionStatus[]>;

/** Work due by the service clock's `now` and not done yet: how much, and since when the oldest. */
export type BacklogSource = () => Promise<{ count: number; oldestDueAt: Date | null; now: Date }>;

/** The SMS outbox's due backlog (libs/notifications' `dueBacklog`). */
export const SMS_BACKLOG = Symbol('SMS_BACKLOG');
/** Deadlines due and not recorded yet (libs/projections' `dueDeadlines`). */
export const DEADLINE_BACKLOG = Symbol('DEADLINE_BACKLOG');

/**
 * The process's Prometheus registry: HTTP latency by route, commands by outcome, projection
 * lag (when a projector runs here), SMS by delivery status (when the outbox is wired), and
 * Node's default process metrics.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: 'commands_total',
    help: 'Commands by route and outcome: "accepted", or the problem code they were refused with',
    labelNames: ['command', 'outcome'],
    registers: [this.registry],
  });

  constructor(
    sources: {
      projections?: ProjectionStatusSource;
      smsCounts?: SmsCountsSource;
      smsBacklog?: BacklogSource;
      deadlineBacklog?: BacklogSource;
      appends?: Pick<AppendWatch, 'oldestWaitMs'>;
    } = {},
  ) {
    collectDefaultMetrics({ register: this.registry });
    if (sources.projections) registerProjectionMetrics(this.registry, sources.projections);
    const { smsCounts, smsBacklog, deadlineBacklog, appends } = sources;
    if (appends) registerAppendWaitMetric(this.registry, appends);
    if (smsCounts) {
      new Gauge({
        name: 'sms_messages',
        help: 'SMS outbox messages by delivery status',
        labelNames: ['status'],
        registers: [this.registry],
        async collect() {
          const { total } = await smsCounts();
          for (const [status, count] of Object.entries(total)) this.set({ status }, count);
        },
      });
    }
    // `pending` also counts reminders due weeks ahead: what is due and not yet sent tells a
    // gateway outage (retries waiting) from a quiet day.
    if (smsBacklog) {
      registerBacklog(this.registry, smsBacklog, {
        count: ['sms_due_messages', 'SMS whose time has come and that are not sent yet (waiting their turn or a retry)'],
        age: ['sms_oldest_due_seconds', 'How long the oldest SMS due and not yet sent has waited (0 when none)'],
      });
    }
    if (deadlineBacklog) {
      registerBacklog(this.registry, deadlineBacklog, {
        count: ['deadlines_due', 'Deadlines (lapse, exam overdue, cancellation) due and not recorded yet'],
        age: ['deadlines_oldest_due_seconds', 'How long the oldest deadline due and not recorded has waited (0 when none)'],
      });
    }
  }
}

/** A count gauge and an age gauge of one backlog, collected together: one query per scrape. */
function registerBacklog(registry: Registry, source: BacklogSource, names: { count: [string, string]; age: [string, string] }): void {
  let scrape: ReturnType<BacklogSource> | undefined;
  const backlog = () => (scrape ??= source().finally(() => (scrape = undefined)));
  new Gauge({
    name: names.count[0],
    help: names.count[1],
    registers: [registry],
    async collect() {
      this.set((await backlog()).count);
    },
  });
  new Gauge({
    name: names.age[0],
    help: names.age[1],
    registers: [registry],
    async collect() {
      const { oldestDueAt, now } = await backlog();
      this.set(oldestDueAt === null ? 0 : Math.max(0, (now.getTime() - oldestDueAt.getTime()) / 1000));
    },
  });
}
