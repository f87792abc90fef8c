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

export async function storeManualClock(pool: Pool, now: Date): Promise<void> {
  await pool.query('INSERT INTO manual_clock (now) VALUES ($1) ON CONFLICT (singleton) DO UPDATE SET now = EXCLUDED.now', [now]);
}
