import { createTestDatabase } from '../../../../test/support/database';
import { closedPort } from '../../../../test/support/ports';
import { ConfigError } from '../config';
import { checkDatabaseReachable } from './reachable';
import { createPool } from './pool';

async function check(url: string): Promise<unknown> {
  const pool = createPool(url);
  try {
    await checkDatabaseReachable(pool, url);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await pool.end();
  }
}

describe('the first query on DATABASE_URL', () => {
  it('passes on a database that answers', async () => {
    const db = await createTestDatabase();
    try {
      expect(await check(db.url)).toBeUndefined();
    } finally {
      await db.drop();
    }
  });

  it('makes a server nobody listens for a configuration error naming it, never its password', async () => {
    const port = await closedPort();
    const error = await check(`postgres://app:s3cret@127.0.0.1:${port}/contracts`);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^DATABASE_URL: cannot use 127\\.0\\.0\\.1:${port}/contracts: .*ECONNREFUSED`));
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('makes a database the server does not have a configuration error too', async () => {
    const db = await createTestDatabase();
    try {
      const url = new URL(db.url);
      url.pathname = '/no_such_database';
      const error = await check(url.toString());
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('database "no_such_database" does not exist');
    } finally {
      await db.drop();
    }
  });
});
