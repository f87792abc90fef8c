import { DatabaseError, type Pool } from 'pg';
import { ConfigError, serverOf } from '../config';
import { isConnectionFailure } from './pool';

/** PostgreSQL's refusals that a URL explains: wrong password, no such role or database. */
const REFUSED_SQLSTATES = new Set(['28P01', '28000', '3D000']);

/**
 * The first query on a configured database: a server that cannot be reached or refuses us is the
 * operator's to fix, so it ends the start with one `configuration:` line naming the server (never
 * the password), not a driver's stack trace.
 */
export async function checkDatabaseReachable(pool: Pool, url: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const refused = error instanceof DatabaseError ? REFUSED_SQLSTATES.has(error.code ?? '') : isConnectionFailure(error);
    if (!refused) throw error;
    throw new ConfigError(`DATABASE_URL: cannot use ${serverOf(url)}: ${(error as Error).message}`);
  }
}

