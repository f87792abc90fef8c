import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ManualClock, migrate } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { startRuntime } from '../runtime';
import { resumeManualClock, storeManualClock } from './stored-clock';
import { apiMigrations } from '../infrastructure/migrations';
import { TestClockController } from './test-clock.controller';

describe('a manual clock survives a restart', () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeEach(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'stored-clock-'));
  });
  afterEach(async () => {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = () =>
    startRuntime(
      loadConfig({ DATABASE_URL: db.url, DATA_DIR: dataDir, CLOCK_MODE: 'manual', CLOCK_START: '2026-12-01T08:00:00Z', PROJECTOR: 'off', LOG_LEVEL: 'silent' }),
    );

  it('starts a fresh database at CLOCK_START, and a restart where PUT /v1/_test/clock last set it, not at CLOCK_START again', async () => {
    const first = await start();
    expect(first.clock.now().toISOString()).toBe('2026-12-01T08:00:00.000Z');
    await new TestClockController(first.clock, null, first.eventStore, first.pool).set({ now: '2027-02-10T08:00:00Z' });
    await first.close();

    const second = await start();
    try {
      expect(second.clock).toBeInstanceOf(ManualClock);
      expect(second.clock.now().toISOString()).toBe('2027-02-10T08:00:00.000Z');
    } finally {
      await second.close();
    }
  });
});

describe('what a manual clock says when it starts', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
    await migrate(db.pool, 'contracts-api', apiMigrations);
  });
  afterEach(() => db.drop());

  const kept = async () => (await db.pool.query<{ now: Date }>('SELECT now FROM manual_clock')).rows[0]?.now.toISOString();
  const start = (options: { clockStartGiven?: boolean; storeHasEvents?: boolean } = {}) =>
    resumeManualClock(db.pool, new ManualClock(new Date('2026-12-01T06:00:00Z')), {
      clockStartGiven: options.clockStartGiven ?? true,
      storeHasEvents: async () => options.storeHasEvents ?? false,
    });

  it('on a fresh store: nothing to say, and keeps its start', async () => {
    expect(await start()).toBeUndefined();
    expect(await kept()).toBe('2026-12-01T06:00:00.000Z');
  });

  it('resumed: says where, and warns that a CLOCK_START given is ignored', async () => {
    await storeManualClock(db.pool, new Date('2027-02-10T14:30:00Z'));
    expect(await start({ clockStartGiven: false })).toEqual({ level: 'info', msg: expect.stringContaining('resumed at 2027-02-10T14:30:00.000Z') });
    expect(await start({ clockStartGiven: true })).toEqual({ level: 'warn', msg: expect.stringContaining('CLOCK_START is ignored') });
  });

  it('on a store with events but no kept instant: warns at every start, keeping nothing until the clock is moved', async () => {
    for (let restart = 0; restart < 2; restart++) {
      expect(await start({ storeHasEvents: true })).toEqual({ level: 'warn', msg: expect.stringContaining('PUT /v1/_test/clock') });
    }
    expect(await kept()).toBeUndefined();
  });
});
