import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../libs/platform/src/database';

/** A PostgreSQL server the test owns: it outlives service kills, and the test may stop and start it. */
export interface FaultPostgres {
  /** URL of the service's database (`faults`), stable across restarts (same port). */
  readonly url: string;
  readonly running: boolean;
  /** Fast shutdown (open transactions aborted, connections closed), then waits for the exit. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its folder. */
  destroy(): Promise<void>;
}

const SERVER_SCRIPT = join(__dirname, 'pg-server.js');

/** Starts a server in a fresh folder on a fixed free port (see pg-server.js), with a `faults` database. */
export async function startFaultPostgres(): Promise<FaultPostgres> {
  const dataDir = await mkdtemp(join(tmpdir(), 'faults-pg-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let url = '';

  const start = async () => {
    if (child) return;
    const started = spawn(process.execPath, [SERVER_SCRIPT, dataDir, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    url = await new Promise<string>((resolve, reject) => {
      started.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const ready = /READY (\S+)/.exec(output);
        if (ready) resolve(ready[1]!);
      });
      started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      started.once('exit', (code) => reject(new Error(`PostgreSQL helper exited with ${code}:\n${output}`)));
    });
    child = started;
  };
  const stop = async () => {
    const running = child;
    if (!running) return;
    child = undefined;
    const exited = new Promise((done) => running.once('exit', done));
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    get url() {
      return url;
    },
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    async destroy() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
