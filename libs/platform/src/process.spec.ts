import { spawn } from 'node:child_process';

/** A process whose start takes 600 ms, run with swc like the embedded-postgres spec's child. */
const CHILD = `
const { transformFileSync } = require('@swc/core');
require.extensions['.ts'] = (module, file) => module._compile(
  transformFileSync(file, { module: { type: 'commonjs' }, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }).code,
  file,
);
const { runProcess } = require(process.argv[1]);
runProcess(async (onSignal) => {
  process.stdout.write('starting\\n');
  await new Promise((resolve) => setTimeout(resolve, 600));
  process.stdout.write('started\\n');
  onSignal(async (signal) => { process.stdout.write('shutdown after ' + signal + '\\n'); });
});
`;

/** A process whose start fails with a configuration error. */
const MISCONFIGURED = `
const { transformFileSync } = require('@swc/core');
require.extensions['.ts'] = (module, file) => module._compile(
  transformFileSync(file, { module: { type: 'commonjs' }, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }).code,
  file,
);
const { runProcess } = require(process.argv[1]);
const { loadConfig } = require(process.argv[2]);
runProcess(async () => { loadConfig({ PORT: 'abc' }); });
`;

function run(signals: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD, require.resolve('./process.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out === 'starting\n') for (let i = 0; i < signals; i++) setTimeout(() => child.kill('SIGTERM'), 50 * (i + 1));
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('runProcess', () => {
  it('exits 1 on a configuration error with its message alone, no stack', async () => {
    const child = spawn(process.execPath, ['-e', MISCONFIGURED, require.resolve('./process.ts'), require.resolve('./config.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect({ code, err }).toEqual({ code: 1, err: 'configuration: PORT must be a port number, got "abc"\n' });
  });

  it('holds a stop signal that comes during startup and shuts down, in order, once started', async () => {
    expect(await run(1)).toEqual({ code: 0, out: 'starting\nstarted\nshutdown after SIGTERM\n' });
  });

  it('exits at once on a second signal during startup', async () => {
    expect(await run(2)).toEqual({ code: 143, out: 'starting\n' });
  });
});
