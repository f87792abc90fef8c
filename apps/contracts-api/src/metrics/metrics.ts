import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerProjectionMetrics, type ProjectionStatus } from '@app/projections';
import type { SmsCountsSource } from '../dashboard/sms-counts';

export const PROJECTION_STATUS = Symbol('PROJECTION_STATUS');
/** Each projection's checkpoint, head and lag (the projector's `status`). */
export type ProjectionStatusSource = () => Promise<ProjectionStatus[]>;

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

  constructor(projections?: ProjectionStatusSource, sms?: SmsCountsSource) {
    collectDefaultMetrics({ register: this.registry });
    if (projections) registerProjectionMetrics(this.registry, projections);
    if (sms) {
      new Gauge({
        name: 'sms_messages',
        help: 'SMS outbox messages by delivery status',
        labelNames: ['status'],
        registers: [this.registry],
        async collect() {
          const { total } = await sms();
          for (const [status, count] of Object.entries(total)) this.set({ status }, count);
        },
      });
    }
  }
}
