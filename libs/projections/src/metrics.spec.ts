import { Registry } from 'prom-client';
import { registerProjectionMetrics } from './metrics';
import type { ProjectionStatus } from './runner';

describe('projection metrics', () => {
  it('exports each projection position, head, lag, failures and ownership at scrape time', async () => {
    const registry = new Registry();
    const status: ProjectionStatus = {
      name: 'billing', version: 1, role: 'owner', position: '131073', head: '196609', caughtUp: false, lagSeconds: 2.5, failures: 1, lastError: null,
    };
    let reads = 0;
    registerProjectionMetrics(registry, async () => (reads++, [status]));
    const text = await registry.metrics();
    expect(text).toContain('projection_position{projection="billing"} 131073');
    expect(text).toContain('projection_head_position{projection="billing"} 196609');
    expect(text).toContain('projection_lag_seconds{projection="billing"} 2.5');
    expect(text).toContain('projection_failures{projection="billing"} 1');
    expect(text).toContain('projection_owner{projection="billing"} 1');
    expect(reads).toBe(1);
  });
});
