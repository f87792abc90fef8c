import { DatabaseError, type Pool } from 'pg';
import { ConfigError, serverOf } from '../config';
import { isConnectionFailure } from './pool';

/** PostgreSQL's refusals that a URL explains: wrong password, no such role or database. */
const REFUSED_SQLSTATES = new Set(['28P01', '28000', '3D000']);

/**
 * The first query on a configured database: a server that cannot be reached or refuses us is the
 * operator's to fix, so it ends the start with one line naming the setting the URL came from
 * (`setting`: DATABASE_URL unless a tool was given it otherwise) and its server (never the
 * password), not a driver's stack trace or a bare `connect ECONNREFUSED`. The service and the
 * operator CLIs all check their configured databases here.
 */
export async function checkDatabaseReachable(pool: Pool, url: string, setting = 'DATABASE_URL'): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const refused = error instanceof DatabaseError ? REFUSED_SQLSTATES.has(error.code ?? '') : isConnectionFailure(error);
    if (!refused) throw error;
    throw new ConfigError(`${setting}: cannot use ${serverOf(url)}: ${(error as Error).message}`);
  }
}

