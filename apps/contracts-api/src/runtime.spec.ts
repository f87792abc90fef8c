import { ConfigError, ManualClock, SystemClock, loadConfig } from '@app/platform';
import { clockFor } from './runtime';

const manual = (start?: string) => loadConfig({ CLOCK_MODE: 'manual', ...(start ? { CLOCK_START: start } : {}) });
const BOOT = new Date('2026-12-01T06:00:00Z');

describe('the clock a process runs on', () => {
  it('is the system clock unless manual, and a manual one starts at CLOCK_START or at boot', () => {
    expect(clockFor(loadConfig({}), BOOT)).toBeInstanceOf(SystemClock);
    const started = clockFor(manual('2027-01-01T00:00:00Z'), BOOT);
    expect(started).toBeInstanceOf(ManualClock);
    expect(started.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(clockFor(manual(), BOOT).now()).toEqual(BOOT);
  });

  it('refuses a manual start outside the Jalali years the domain computes in, as the test clock PUT does', () => {
    for (const start of ['9999-01-01T00:00:00Z', '1800-01-01T00:00:00Z', '2121-03-21T00:00:00Z']) {
      expect(() => clockFor(manual(start), BOOT)).toThrow(ConfigError);
    }
    // 1499/12/29 (Iran) is the last day a manual clock may start on.
    expect(clockFor(manual('2121-03-19T12:00:00Z'), BOOT).now().toISOString()).toBe('2121-03-19T12:00:00.000Z');
  });
});
