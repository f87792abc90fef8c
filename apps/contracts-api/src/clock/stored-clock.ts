import type { Pool } from 'pg';
import type { ManualClock } from '@app/platform';

/**
 * A manual clock is kept in the database each time it moves, so that a restarted service resumes
 * where its events are instead of going back to CLOCK_START (a demo's contracts would otherwise sit
 * weeks in the clock's future). CLOCK_START only sets where a fresh database starts.
 */
export async function resumeManualClock(pool: Pool, clock: ManualClock): Promise<Date | undefined> {
  const { rows } = await pool.query<{ now: Date }>('SELECT now FROM manual_clock');
  const kept = rows[0]?.now;
  if (kept) clock.set(kept);
  else await storeManualClock(pool, clock.now());
  return kept;
}

/** What to tell whoever starts a manual clock: resumed, or started afresh on a store that has events (written before the clock was kept). */
export function manualClockStartMessage(resumed: Date | undefined, now: Date, storeHasEvents: boolean): { level: 'info' | 'warn'; msg: string } | undefined {
  if (resumed) return { level: 'info', msg: `manual clock resumed at ${resumed.toISOString()}, where it was last set (CLOCK_START applies to a fresh database)` };
  if (!storeHasEvents) return undefined;
  return {
    level: 'warn',
    msg: `manual clock starts at ${now.toISOString()} on a store that already has events, written before the clock was kept: if they are later, move it there first (PUT /v1/_test/clock), or commands are decided before them`,
  };
}

export async function storeManualClock(pool: Pool, now: Date): Promise<void> {
  await pool.query('INSERT INTO manual_clock (now) VALUES ($1) ON CONFLICT (singleton) DO UPDATE SET now = EXCLUDED.now', [now]);
}
