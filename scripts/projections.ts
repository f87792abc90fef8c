/**
 * `npm run projections -- status` prints each projection's checkpoint, head and lag;
 * `npm run projections -- rebuild <name>` replays one projection from position 0 into fresh
 * tables and swaps them in, while the service keeps serving (and applying to) the old ones.
 * Uses DATABASE_URL, or else the embedded PostgreSQL under DATA_DIR (only while the API is not
 * running: that server belongs to the API process). With EVENT_STORE=kurrentdb or
 * NODE_ENV=production it refuses to run without DATABASE_URL rather than start that server: there
 * the read models live in the service's own PostgreSQL, and an embedded one would read as empty
 * (or take a rebuild meant for the service). It refuses to rebuild the audit hash chain.
 *
 * Exit status, the same in `audit` and `migrate-events`: 0 done; 1 failed or refused (the reason on
 * stderr); 2 a command line it cannot run (what is wrong and the usage on stderr), found before
 * any configuration is read or database opened. `--help` / `-h` prints the usage on stdout (0).
 */
import { join } from 'node:path';
import { openEventStore } from '@app/event-store';
import { SystemClock, createPool, loadConfig, startEmbeddedPostgres, type RunningPostgres } from '@app/platform';
import { ProjectionRunner, auditChainProjection, rebuild, type RebuildProgress } from '@app/projections';
import { readSideProjections } from '../apps/projector/src/read-side';

export function progressLine(p: RebuildProgress): string {
  const fraction = p.total === 0n ? 1 : Number((p.position * 1000n) / p.total) / 1000;
  const width = 30;
  const filled = Math.round(fraction * width);
  const eta = p.etaSeconds === null ? '?' : `${Math.ceil(p.etaSeconds)}s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.position}/${p.total}  ${p.events} events  ${Math.round(p.eventsPerSecond)} ev/s  ETA ${eta}`;
}

/** Exit status of every CLI here for a command line it cannot run. */
export const USAGE_EXIT = 2;

/** A command line the CLI cannot run: `runCli` prints it with the usage on stderr and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * Runs a CLI's `main` and resolves to its exit status: `--help` / `-h` prints `usage` on stdout
 * (0) without running it; a `UsageError` prints its message and `usage` on stderr (2); any other
 * error its message on stderr (1); otherwise what `main` returned (0 for nothing).
 */
export async function runCli(usage: string, main: (argv: string[]) => Promise<number | void>, argv: string[], io: CliIo = processIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  try {
    return (await main(argv)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(error.message === usage ? `${usage}\n` : `${error.message}\n${usage}\n`);
      return USAGE_EXIT;
    }
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

export const USAGE = 'usage: projections status | projections rebuild <name>';

/** The command and projection name, or an error before anything is read, opened or changed. */
export function parseArgs(argv: string[]): { command: 'status' | 'rebuild'; name?: string } {
  const [command, name] = argv;
  if (command !== 'status' && command !== 'rebuild') throw new UsageError(command === undefined ? 'projections: no command' : `projections: unknown command "${command}"`);
  if (command === 'rebuild' && name === undefined) throw new UsageError('projections rebuild: which projection?');
  const extra = argv.slice(command === 'status' ? 1 : 2);
  if (extra.length > 0) throw new UsageError(`projections ${command}: unexpected ${extra.map((arg) => `"${arg}"`).join(' ')}`);
  if (command === 'rebuild' && name === auditChainProjection.name) {
    throw new Error(
      `refusing to rebuild "${name}": it would re-hash whatever the events table holds now and so hide tampering; see docs/operations.md (Audit hash chain)`,
    );
  }
  return { command, name };
}

export async function main(argv: string[]): Promise<void> {
  const { command, name } = parseArgs(argv);
  const config = loadConfig();
  if (!config.databaseUrl && (config.eventStore === 'kurrentdb' || config.production)) {
    throw new Error(
      `projections needs DATABASE_URL (the service's read-model database) with ${config.eventStore === 'kurrentdb' ? 'EVENT_STORE=kurrentdb' : 'NODE_ENV=production'}: ` +
        `it will not fall back to the embedded PostgreSQL under ${config.dataDir}, which is not where such a deployment keeps its read models`,
    );
  }
  const projections = readSideProjections(config, config.clock.mode === 'system' ? new SystemClock() : undefined);
  const projection = projections.find((p) => p.name === name);
  if (command === 'rebuild' && !projection) throw new UsageError(`projections rebuild: unknown projection "${name}"; one of: ${projections.map((p) => p.name).join(', ')}`);

  let embedded: RunningPostgres | undefined;
  const url = config.databaseUrl ?? (embedded = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'pg') })).url;
  const pool = createPool(url, { max: 4, applicationName: 'projections-cli' });
  const eventStore = await openEventStore({ kind: config.eventStore, pool, kurrentDbUrl: config.kurrentDbUrl });
  try {
    if (command === 'status') {
      for (const p of projections) {
        const status = await ProjectionRunner.observer({ pool, eventStore, projection: p, log: () => undefined }).status();
        process.stdout.write(`${p.name.padEnd(12)} v${p.version}  position ${status.position}  head ${status.head}  lag ${status.lagSeconds.toFixed(1)}s${status.caughtUp ? '  caught up' : ''}\n`);
      }
      return;
    }
    const result = await rebuild({
      pool,
      eventStore,
      projection: projection!,
      onProgress: (progress) => process.stderr.write(`\r${progressLine(progress)}`),
    });
    process.stderr.write('\n');
    process.stdout.write(`${projection!.name}: rebuilt from ${result.events} events, swapped in at position ${result.position}\n`);
  } finally {
    await eventStore.close();
    await pool.end();
    await embedded?.stop();
  }
}

if (require.main === module) {
  void runCli(USAGE, main, process.argv.slice(2)).then((code) => process.exit(code));
}
