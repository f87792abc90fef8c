import type { Pool } from 'pg';
import type { ManualClock } from '@app/platform';

/** What starting the clock has to tell whoever started the service. */
export type ClockStartNote = { level: 'info' | 'warn'; msg: string };

/**
 * A manual clock is kept in the database each time it moves, so that a restarted service resumes
 * where its events are instead of going back to CLOCK_START (a demo's contracts would otherwise sit
 * weeks in the clock's future). CLOCK_START only sets where a fresh database starts. A store with
 * events but no kept instant (written before the clock was kept) keeps none until the clock is
 * moved: every start warns until then, since the events may be later than CLOCK_START.
 */
export async function resumeManualClock(
  pool: Pool,
  clock: ManualClock,
  options: { clockStartGiven: boolean; storeHasEvents: () => Promise<boolean> },
): Promise<ClockStartNote | undefined> {
  const { rows } = await pool.query<{ now: Date }>('SELECT now FROM manual_clock');
  const kept = rows[0]?.now;
  if (kept) {
    clock.set(kept);
    const ignored = options.clockStartGiven ? '; CLOCK_START is ignored, it only sets where a fresh database starts' : '';
    return { level: options.clockStartGiven ? 'warn' : 'info', msg: `manual clock resumed at ${kept.toISOString()}, where it was last set${ignored}` };
  }
  if (await options.storeHasEvents()) {
    return {
      level: 'warn',
      msg: `manual clock starts at ${clock.now().toISOString()} on a store that already has events, written before the clock was kept: if they are later, move it there first (PUT /v1/_test/clock), or commands are decided before them`,
    };
  }
  await storeManualClock(pool, clock.now());
  return undefined;
}

export async function storeManualClock(pool: Pool, now: Date): Promise<void> {
  await pool.query('INSERT INTO manual_clock (now) VALUES ($1) ON CONFLICT (singleton) DO UPDATE SET now = EXCLUDED.now', [now]);
}
