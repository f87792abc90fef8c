import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort } from '../../../libs/platform/src/database';

/** The built entry point, as `npm start` runs it (npm run test:faults builds first). */
export const SERVICE_MAIN = resolve(__dirname, '../../../dist/apps/contracts-api/src/main.js');
export const SECRET = 'fault-tests-secret-long-enough-for-hs256-signing';
/** The sample registry's reference date: the registry's people are eligible on it. */
export const REFERENCE_INSTANT = '2026-12-01T08:00:00Z';

export interface ServiceOptions {
  /** Absent: embedded PostgreSQL under DATA_DIR, as `npm start` runs it. */
  databaseUrl?: string;
  dataDir: string;
  registryFile?: string;
  env?: Record<string, string>;
}

const KEPT_LINES = 300;

/**
 * The service as a child process on a fixed loopback port (the same across restarts, so the load
 * generator keeps its address), with a manual clock at the reference date.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly lines: string[] = [];
  private expectingExit = false;
  starts = 0;
  /** Exits nobody asked for (a crash), with the output before them. */
  readonly crashes: string[] = [];

  private constructor(
    readonly port: number,
    private readonly options: ServiceOptions,
  ) {}

  static async create(options: ServiceOptions): Promise<ServiceProcess> {
    if (!existsSync(SERVICE_MAIN)) throw new Error(`${SERVICE_MAIN} is missing: run "npm run build" first (npm run test:faults does)`);
    return new ServiceProcess(await freePort(), options);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string {
    return this.lines.join('\n');
  }

  /** Starts the process and resolves once /health/live answers (at most `timeoutMs`). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.child) throw new Error('service already running');
    const child = spawn(process.execPath, [SERVICE_MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(this.port),
        HOST: '127.0.0.1',
        ...(this.options.databaseUrl ? { DATABASE_URL: this.options.databaseUrl } : {}),
        DATA_DIR: this.options.dataDir,
        CLOCK_MODE: 'manual',
        CLOCK_START: REFERENCE_INSTANT,
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        ...(this.options.registryFile ? { REGISTRY_FILE: this.options.registryFile } : {}),
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.expectingExit = false;
    this.starts += 1;
    let exitCode: number | null | undefined;
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        exitCode = code;
        if (!this.expectingExit) this.crashes.push(`exit ${code ?? signal}:\n${this.output()}`);
        if (this.child === child) this.child = undefined;
        done();
      }),
    );
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line.slice(0, 2000));
      this.lines.splice(0, Math.max(0, this.lines.length - KEPT_LINES));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);

    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`service exited with ${exitCode} during start:\n${this.output()}`);
      try {
        const res = await fetch(`${this.baseUrl}/health/live`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`service did not answer /health/live within ${timeoutMs} ms:\n${this.output()}`);
  }

  /** SIGKILL: no shutdown hook runs, in-flight requests die with the process. */
  async kill(): Promise<void> {
    this.expectingExit = true;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait (SIGKILL after `graceMs`). */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resident set size of the process from /proc, in bytes. */
  async rssBytes(): Promise<number> {
    const status = await readFile(join('/proc', String(this.pid), 'status'), 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!kb) throw new Error('no VmRSS in /proc status');
    return Number(kb[1]) * 1024;
  }
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
