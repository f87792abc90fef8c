import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_REGISTRY_FILE, ManualClock, SystemClock, loadConfig } from '@app/platform';
import { clockFor, startRuntime } from './runtime';

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

  it('refuses a manual start where the domain cannot date Iran days, as the test clock PUT does', () => {
    for (const start of ['9999-01-01T00:00:00Z', '1800-01-01T00:00:00Z', '2121-03-21T00:00:00Z', '2022-09-21T20:29:59Z']) {
      expect(() => clockFor(manual(start), BOOT)).toThrow(ConfigError);
    }
    expect(() => clockFor(manual('2021-06-01T19:45:00Z'), BOOT)).toThrow(
      'CLOCK_START must be from 2022-09-22 (1401/06/31, after Iran\'s last clock change) to the end of Jalali 1499, got 2021-06-01T19:45:00.000Z',
    );
    // 1401/06/31 (Iran) is the first day a manual clock may start on.
    expect(clockFor(manual('2022-09-21T20:30:00Z'), BOOT).now().toISOString()).toBe('2022-09-21T20:30:00.000Z');
    // 1499/12/29 (Iran) is the last day a manual clock may start on.
    expect(clockFor(manual('2121-03-19T12:00:00Z'), BOOT).now().toISOString()).toBe('2121-03-19T12:00:00.000Z');
  });
});

describe('the database of a production process', () => {
  it('is DATABASE_URL: NODE_ENV=production does not start the embedded PostgreSQL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'runtime-'));
    try {
      const start = startRuntime(loadConfig({ NODE_ENV: 'production', REGISTRY_FILE: DEFAULT_REGISTRY_FILE, DATA_DIR: dataDir }));
      await expect(start).rejects.toThrow(ConfigError);
      await expect(start).rejects.toThrow(/^NODE_ENV=production needs DATABASE_URL/);
      expect(existsSync(join(dataDir, 'pg'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the registry a process checks applicants against', () => {
  it('refuses a REGISTRY_FILE it cannot read as configuration, before any database starts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'runtime-'));
    try {
      const start = startRuntime(loadConfig({ REGISTRY_FILE: join(dataDir, 'missing.json'), DATA_DIR: dataDir }));
      await expect(start).rejects.toThrow(ConfigError);
      await expect(start).rejects.toThrow(/^REGISTRY_FILE: missing\.json: cannot read registry file .*ENOENT/);
      expect(existsSync(join(dataDir, 'pg'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
