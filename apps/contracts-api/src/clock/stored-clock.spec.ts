import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ManualClock } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { startRuntime } from '../runtime';
import { manualClockStartMessage } from './stored-clock';
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
  const now = new Date('2026-12-01T06:00:00Z');
  it('says where it resumed; warns when it starts afresh on a store written before the clock was kept; says nothing on a fresh store', () => {
    expect(manualClockStartMessage(new Date('2027-02-10T14:30:00Z'), now, false)).toMatchObject({ level: 'info', msg: expect.stringContaining('resumed at 2027-02-10T14:30:00.000Z') });
    expect(manualClockStartMessage(undefined, now, true)).toMatchObject({ level: 'warn', msg: expect.stringContaining('PUT /v1/_test/clock') });
    expect(manualClockStartMessage(undefined, now, false)).toBeUndefined();
  });
});
