import { ApiMetrics } from './metrics';

describe('SMS backlog metrics', () => {
  it('given messages due and not sent, reports how many and how long the oldest has waited, by the service clock', async () => {
    const now = new Date('2026-12-10T09:00:00Z');
    const counts = async () => ({ total: { pending: 40, sent: 7, failed: 1, cancelled: 0 }, byBranch: [] });
    let queries = 0;
    const smsBacklog = async () => {
      queries += 1;
      return { count: 3, oldestDueAt: new Date('2026-12-10T08:58:30Z'), now };
    };
    const metrics = new ApiMetrics({ smsCounts: counts, smsBacklog });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^sms_messages\{status="pending"\} 40$/m);
    expect(text).toMatch(/^sms_due_messages 3$/m);
    expect(text).toMatch(/^sms_oldest_due_seconds 90$/m);
    expect(queries).toBe(1); // one query per scrape for both gauges
    await metrics.registry.metrics();
    expect(queries).toBe(2);
    const idle = new ApiMetrics({ smsCounts: counts, smsBacklog: async () => ({ count: 0, oldestDueAt: null, now }) });
    expect(await idle.registry.metrics()).toMatch(/^sms_oldest_due_seconds 0$/m);
  });

  it('given deadlines due and not recorded, reports how many and how long the oldest has waited', async () => {
    const now = new Date('2026-12-21T09:00:00Z');
    const metrics = new ApiMetrics({ deadlineBacklog: async () => ({ count: 2, oldestDueAt: new Date('2026-12-20T20:30:00Z'), now }) });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^deadlines_due 2$/m);
    expect(text).toMatch(/^deadlines_oldest_due_seconds 45000$/m);
    expect(text).not.toMatch(/^sms_due_messages/m);
  });
});

describe('Append wait metric', () => {
  it("given a command's append under way, reports how long it has waited, in seconds; without a watch, no such gauge", async () => {
    let waitedMs = 2_500;
    const metrics = new ApiMetrics({ appends: { oldestWaitMs: () => waitedMs } });
    expect(await metrics.registry.metrics()).toMatch(/^event_store_oldest_append_seconds 2\.5$/m);
    waitedMs = 0;
    expect(await metrics.registry.metrics()).toMatch(/^event_store_oldest_append_seconds 0$/m);
    expect(await new ApiMetrics().registry.metrics()).not.toMatch(/event_store_oldest_append_seconds/);
  });
});
