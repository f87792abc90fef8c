import { DatabaseError, type Pool } from 'pg';
import { ConfigError, serverOf } from '../config';

/** Network failures and PostgreSQL's refusals (wrong password, no such role or database) that a URL or a server's state explains. */
const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);
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
    const code = error instanceof DatabaseError ? error.code : (error as NodeJS.ErrnoException).code;
    const refused =
      error instanceof DatabaseError
        ? REFUSED_SQLSTATES.has(code ?? '')
        : UNREACHABLE_CODES.has(code ?? '') || /^timeout exceeded when trying to connect/.test((error as Error).message); // a server that never answers
    if (!refused) throw error;
    throw new ConfigError(`DATABASE_URL: cannot use ${serverOf(url)}: ${(error as Error).message}`);
  }
}

