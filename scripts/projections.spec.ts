import { progressLine } from './projections';

describe('projections CLI', () => {
  it('shows position/total, events/s and ETA on the progress line', () => {
    expect(progressLine({ position: 500n, total: 1000n, events: 250, eventsPerSecond: 1234.4, etaSeconds: 2.1 })).toBe(
      '[###############...............] 500/1000  250 events  1234 ev/s  ETA 3s',
    );
    expect(progressLine({ position: 0n, total: 0n, events: 0, eventsPerSecond: 0, etaSeconds: null })).toContain('ETA ?');
  });
});
