import type { Pool } from 'pg';
import { ConfigError } from '../config';

export interface Migration {
  /** Sorts in application order within its component, e.g. `001_events`. Never renamed once shipped. */
  id: string;
  sql: string;
}

/** Any fixed number: the one advisory lock key every process takes before migrating. */
const MIGRATION_LOCK_KEY = 7_270_301;

/**
 * Applies the component's migrations that this database has not seen, in list order, and records
 * each in `schema_migrations`. All of it runs in one transaction under a transaction-scoped
 * advisory lock, so processes starting together wait for each other instead of racing, and a
 * failing migration leaves nothing half applied. Returns the ids it applied.
 */
export async function migrate(pool: Pool, component: string, migrations: readonly Migration[]): Promise<string[]> {
  assertUniqueIds(component, migrations);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        component  TEXT        NOT NULL,
        id         TEXT        NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (component, id)
      )`);
    const { rows } = await client.query<{ id: string }>('SELECT id FROM schema_migrations WHERE component = $1', [
      component,
    ]);
    const applied = new Set(rows.map((row) => row.id));
    const known = new Set(migrations.map((migration) => migration.id));
    const unknown = [...applied].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      // The database was migrated by a newer version of the code: refuse rather than guess. The
      // operator's to settle (run the newer code, or roll back as docs/operations.md says).
      throw new ConfigError(
        `${component}: the database has migrations this code does not know (a newer version ran on it): ${unknown.join(', ')}; see docs/operations.md, "Upgrades and rollbacks"`,
      );
    }
    const pending = migrations.filter((migration) => !applied.has(migration.id));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (component, id) VALUES ($1, $2)', [component, migration.id]);
    }
    await client.query('COMMIT');
    return pending.map((migration) => migration.id);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function assertUniqueIds(component: string, migrations: readonly Migration[]): void {
  const ids = migrations.map((migration) => migration.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new Error(`${component}: migration id ${duplicate} is listed twice`);
}
