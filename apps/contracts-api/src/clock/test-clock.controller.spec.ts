import { ManualClock } from '@app/platform';
import type { Projector, ProjectionStatus } from '@app/projections';
import type { EventStore } from '@app/event-store';
import type { Pool } from 'pg';
import { TestClockController } from './test-clock.controller';

describe('PUT /v1/_test/clock waits for the read side before time moves', () => {
  it('waits for a runner still starting (taking its lease), not only for owners', async () => {
    // Found by a CI run under load: the projector had not taken its leases when the clock moved,
    // so the SMS outbox met the open at the new time and judged its message late.
    let statuses: Array<Pick<ProjectionStatus, 'name' | 'role' | 'position'>> = [{ name: 'notifications', role: 'starting', position: '0' }];
    const projector = { status: async () => statuses, runDueDeadlines: async () => undefined } as unknown as Projector;
    const eventStore = { headPosition: async () => 5n } as unknown as EventStore;
    const clock = new ManualClock(new Date('2026-12-01T08:00:00Z'));
    const pool = { query: async () => ({ rows: [] }) } as unknown as Pool;
    const setting = new TestClockController(clock, projector, eventStore, pool).set({ now: '2026-12-21T20:31:00Z' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(clock.now().toISOString()).toBe('2026-12-01T08:00:00.000Z');
    statuses = [{ name: 'notifications', role: 'owner', position: '5' }];
    await setting;
    expect(clock.now().toISOString()).toBe('2026-12-21T20:31:00.000Z');
  });

  it('keeps the new instant before it moves the clock: a clock that could not be kept has not moved', async () => {
    const clock = new ManualClock(new Date('2026-12-01T08:00:00Z'));
    const down = { query: async () => Promise.reject(new Error('connection refused')) } as unknown as Pool;
    const eventStore = { headPosition: async () => 0n } as unknown as EventStore;
    await expect(new TestClockController(clock, null, eventStore, down).set({ now: '2026-12-21T20:31:00Z' })).rejects.toThrow('connection refused');
    expect(clock.now().toISOString()).toBe('2026-12-01T08:00:00.000Z');
  });
});
