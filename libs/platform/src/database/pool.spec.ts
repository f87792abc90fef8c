import { createServer, Socket } from 'node:net';
import { types } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { createPool, KEEPALIVE_IDLE_MS } from './pool';

describe('createPool: how values come back, and how a connection is kept', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const row = async () =>
    (
      await db.pool.query(
        `SELECT 9007199254740993::bigint AS big, ARRAY[1, NULL, 9007199254740993]::bigint[] AS bigs,
                '{"n": 9007199254740993, "s": "x"}'::jsonb AS doc, '[1, "two"]'::json AS list`,
      )
    ).rows[0];

  it('gives BIGINT as bigint (arrays too) and JSON/JSONB as JSON.parse does', async () => {
    expect(await row()).toEqual({
      big: 9007199254740993n,
      bigs: [1n, null, 9007199254740993n],
      doc: JSON.parse('{"n": 9007199254740993, "s": "x"}'),
      list: [1, 'two'],
    });
  });

  it("keeps parsing JSON its own way when a library replaces pg's global parsers (as Emmett does)", async () => {
    const replaced = { json: types.getTypeParser(114), jsonb: types.getTypeParser(3802) };
    const revived = (value: string) => ({ revived: value });
    types.setTypeParser(114, revived);
    types.setTypeParser(3802, revived);
    try {
      const { doc, list } = await row();
      expect(doc).toEqual({ n: 9007199254740992, s: 'x' });
      expect(list).toEqual([1, 'two']);
    } finally {
      types.setTypeParser(114, replaced.json);
      types.setTypeParser(3802, replaced.jsonb);
    }
  });

  it('asks the OS to probe a connection idle for 10 s: a server that vanished without a word is found dead', async () => {
    const keepAlive = jest.spyOn(Socket.prototype, 'setKeepAlive');
    const pool = createPool(db.url);
    try {
      await pool.query('SELECT 1');
      expect(keepAlive).toHaveBeenCalledWith(true, KEEPALIVE_IDLE_MS);
      expect(KEEPALIVE_IDLE_MS).toBe(10_000);
    } finally {
      keepAlive.mockRestore();
      await pool.end();
    }
  });
});

describe('createPool: a server that accepts the connection but never answers', () => {
  it('fails the query once opening the connection takes too long, instead of waiting for good', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // takes the socket, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const pool = createPool(`postgres://app@127.0.0.1:${port}/contracts`, { connectTimeoutMs: 200 });
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout/);
    } finally {
      await pool.end();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
