/**
 * Real projector processes for specs. Jest transpiles in memory, and @swc/register is not
 * installed, so the libraries are compiled once per spec file with the swc CLI (the same
 * `.swcrc` as `npm run build`, which rewrites the @app/* paths) into a temp folder; NODE_PATH
 * points the compiled code at the repository's node_modules.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../../../..');

export async function compileLibs(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'projector-child-'));
  const swc = join(ROOT, 'node_modules/.bin/swc');
  await promisify(execFile)(swc, ['libs', '-d', dir, '--config-file', '.swcrc', '--ignore', '**/*.spec.ts', '-q'], { cwd: ROOT });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A child projector printing JSON lines (see child-projector.ts). */
export class ProjectorProcess {
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(compiledDir: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [join(compiledDir, 'libs/projections/src/testing/child-projector.js')], {
      env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const complete = buffer.split('\n');
      buffer = complete.pop()!;
      for (const line of complete) if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.exited = new Promise((done) => this.child.on('exit', (code) => done(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first line matching, waiting for it if need be. */
  async line(match: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const started = performance.now();
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (performance.now() - started > timeoutMs) throw new Error(`child ${this.pid}: no matching line in ${JSON.stringify(this.lines)}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }
}
