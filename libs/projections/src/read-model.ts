import type { Pool, QueryResultRow } from 'pg';
import { isUndefinedTable } from '@app/platform';
import { liveSchema } from './projection';

/** The projection's tables do not exist yet (first start, before its runner created them). */
export class ReadModelNotReady extends Error {
  constructor(readonly projection: string) {
    super(`read model ${projection} is not built yet`);
    this.name = 'ReadModelNotReady';
  }
}

/**
 * Runs a query against a projection's live schema, written with `{schema}` for its name, with the
 * checkpoint's position as `{checkpoint}` (a scalar subquery): every answer says how far the read
 * model had caught up when it was read, from the same snapshot as the rows.
 */
export async function queryReadModel<R extends QueryResultRow>(
  pool: Pool,
  projection: string,
  sql: string,
  values: unknown[],
): Promise<R[]> {
  const schema = liveSchema(projection);
  const text = sql.replaceAll('{checkpoint}', `(SELECT position FROM ${schema}.checkpoint)`).replaceAll('{schema}', schema);
  try {
    return (await pool.query<R>(text, values)).rows;
  } catch (error) {
    if (isUndefinedTable(error)) throw new ReadModelNotReady(projection);
    throw error;
  }
}
