import { Gauge, type Registry } from 'prom-client';
import type { AppendWatch } from '@app/event-store';
import type { ProjectionStatus } from './runner';

/**
 * Registers gauges that read the projector's status at scrape time:
 * projection_position, projection_head_position, projection_lag_seconds, projection_failures,
 * projection_owner (1 when this process applies the projection).
 */
export function registerProjectionMetrics(registry: Registry, status: () => Promise<ProjectionStatus[]>): void {
  let latest: Promise<ProjectionStatus[]> | undefined;
  // One status read per scrape, shared by the gauges.
  const read = () => (latest ??= status().finally(() => setImmediate(() => (latest = undefined))));
  /** `value` undefined: not known in this process, so no sample rather than a made-up one. */
  const gauge = (name: string, help: string, value: (s: ProjectionStatus) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['projection'],
      registers: [registry],
      async collect() {
        for (const s of await read()) {
          const v = value(s);
          if (v !== undefined) this.set({ projection: s.name }, v);
        }
      },
    });
  gauge('projection_position', 'Checkpoint: position of the last event applied', (s) => Number(s.position));
  gauge('projection_head_position', 'Event store head position', (s) => Number(s.head));
  gauge('projection_lag_seconds', 'Age of the oldest event not yet applied (0 when caught up)', (s) => s.lagSeconds);
  // A process that only reports progress (`elsewhere`) never sees the owner's failures.
  gauge('projection_failures', 'Consecutive failed attempts of the projection', (s) => (s.role === 'elsewhere' ? undefined : s.failures));
  gauge('projection_owner', '1 when this process owns (applies) the projection', (s) => (s.role === 'owner' ? 1 : 0));
}

/**
 * event_store_oldest_append_seconds: how long the oldest append under way in this process has
 * waited for the event store (0 when none). Alert on it before readiness (APPEND_STALL_MS) turns
 * the process away. The API's appends are its commands' (and its inline read side's deadlines'),
 * the standalone projector's its deadlines'.
 */
export function registerAppendWaitMetric(registry: Registry, appends: Pick<AppendWatch, 'oldestWaitMs'>): void {
  new Gauge({
    name: 'event_store_oldest_append_seconds',
    help: 'How long the oldest append under way in this process has waited for the event store (0 when none)',
    registers: [registry],
    collect() {
      this.set(appends.oldestWaitMs() / 1000);
    },
  });
}
