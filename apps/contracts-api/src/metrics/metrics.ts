import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerProjectionMetrics, type ProjectionStatus } from '@app/projections';
import type { SmsCountsSource } from '../dashboard/sms-counts';

export const PROJECTION_STATUS = Symbol('PROJECTION_STATUS');
/** Each projection's checkpoint, head and lag (the projector's `status`). */
export type ProjectionStatusSource = () => Promise<ProjectionStatus[]>;

export const SMS_BACKLOG = Symbol('SMS_BACKLOG');
/** The SMS outbox's due backlog (libs/notifications' `dueBacklog`) at the service clock's `now`. */
export type SmsBacklogSource = () => Promise<{ count: number; oldestDueAt: Date | null; now: Date }>;

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

  constructor(sources: { projections?: ProjectionStatusSource; smsCounts?: SmsCountsSource; smsBacklog?: SmsBacklogSource } = {}) {
    collectDefaultMetrics({ register: this.registry });
    if (sources.projections) registerProjectionMetrics(this.registry, sources.projections);
    const { smsCounts, smsBacklog } = sources;
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
    if (smsBacklog) {
      // Both gauges are collected at once per scrape: they share one query.
      let scrape: ReturnType<SmsBacklogSource> | undefined;
      const backlog = () => (scrape ??= smsBacklog().finally(() => (scrape = undefined)));
      // `pending` also counts reminders due weeks ahead: what is due and not yet sent tells a
      // gateway outage (retries waiting) from a quiet day.
      new Gauge({
        name: 'sms_due_messages',
        help: 'SMS whose time has come and that are not sent yet (waiting their turn or a retry)',
        registers: [this.registry],
        async collect() {
          this.set((await backlog()).count);
        },
      });
      new Gauge({
        name: 'sms_oldest_due_seconds',
        help: 'How long the oldest SMS due and not yet sent has waited (0 when none)',
        registers: [this.registry],
        async collect() {
          const { oldestDueAt, now } = await backlog();
          this.set(oldestDueAt === null ? 0 : Math.max(0, (now.getTime() - oldestDueAt.getTime()) / 1000));
        },
      });
    }
  }
}
