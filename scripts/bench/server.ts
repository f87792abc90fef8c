import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { NewEvent } from '@app/event-store';
import { createPool, freePort, startEmbeddedPostgres, type RunningPostgres } from '@app/platform';

/**
 * A fresh embedded PostgreSQL (`dataDir` its own new folder: as root the server runs as another
 * user, who must own it) with the server's durable defaults (fsync on, synchronous commit),
 * unlike the test clusters: the bench measures what a durable append costs. Each subject gets its
 * own database on this one server, so they share its disk and WAL as in production.
 */
export async function startBenchPostgres(
  dataDir: string,
  databases: readonly string[],
  settings: Record<string, string> = {},
): Promise<{ server: RunningPostgres; urlOf(database: string): string }> {
  // Room for the service's pool, its read side, and 64 connections of a subject at a time.
  const server = await startEmbeddedPostgres({ dataDir, settings: { max_connections: '200', ...settings } });
  const admin = createPool(server.url, { max: 1 });
  try {
    for (const database of databases) await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const urlOf = (database: string) => {
    const url = new URL(server.url);
    url.pathname = `/${database}`;
    return url.toString();
  };
  return { server, urlOf };
}

export interface RunningService {
  baseUrl: string;
  /** The child process's (for its CPU time in /proc). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * The built service (`dist/`, as `npm start` runs it) as a child process on the given database,
 * ready once `/health/ready` answers 200. `nodeArgs` go to node before the script (e.g. `--cpu-prof`).
 */
export async function startService(env: Record<string, string>, log: (line: string) => void, nodeArgs: readonly string[] = []): Promise<RunningService> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = await startChild('the service', ['apps', 'contracts-api', 'src', 'main.js'], { ...env, PORT: String(port), HOST: '127.0.0.1' }, nodeArgs, () =>
    fetch(`${baseUrl}/health/ready`).then((res) => res.ok, () => false),
  );
  log(`service ready on ${baseUrl} (pid ${child.pid})`);
  return { baseUrl, pid: child.pid, stop: child.stop };
}

/** apps/projector as a child process on the given database (as docker-compose runs it beside an API with PROJECTOR=off). */
export async function startProjector(env: Record<string, string>, log: (line: string) => void): Promise<{ pid: number | undefined; stop(): Promise<void> }> {
  // Ready when its own readiness probe says so: its log is at warn here, so no start line to wait for.
  const port = await freePort();
  const ready = () => fetch(`http://127.0.0.1:${port}/health/ready`).then((answer) => answer.ok, () => false);
  const child = await startChild('the projector', ['apps', 'projector', 'src', 'main.js'], { ...env, PORT: String(port), HOST: '127.0.0.1' }, [], ready);
  log(`projector started (pid ${child.pid})`);
  return { pid: child.pid, stop: child.stop };
}

/** The HTTP reference (scripts/bench/nest-floor.ts) as a child process on the given database. */
export async function startNestFloor(databaseUrl: string, event: NewEvent, log: (line: string) => void): Promise<RunningService> {
  const port = await freePort();
  const env = { DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', FLOOR_EVENT: JSON.stringify(event) };
  const child = await startChild('Nest + Fastify + one INSERT', ['scripts', 'bench', 'nest-floor.js'], env, [], (output) => output.includes('nest floor listening'));
  log(`Nest + Fastify + one INSERT ready (pid ${child.pid})`);
  return { baseUrl: `http://127.0.0.1:${port}`, pid: child.pid, stop: child.stop };
}

/** A built script (under dist/) as a child process, once `ready` says so (polled with its recent output). */
async function startChild(
  name: string,
  script: readonly string[],
  env: Record<string, string>,
  nodeArgs: readonly string[],
  ready: (output: string) => boolean | Promise<boolean>,
): Promise<{ pid: number | undefined; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join('dist', ...script)], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  while (!(await ready(output))) {
    const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 250))]);
    if (code !== 'running') throw new Error(`${name} exited (${code}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`${name} was not ready within 60 s:\n${output}`);
    }
  }
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
