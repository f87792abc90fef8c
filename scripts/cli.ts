/**
 * What the operator CLIs here (`projections`, `audit`, `sms`, `migrate-events`, `token`) share.
 *
 * Exit status: 0 done; 1 failed or refused (the reason on stderr); 2 a command line it cannot run
 * (what is wrong and the usage on stderr), found before any database is opened (a mistyped
 * command or option before the configuration is even read). `--help` / `-h` prints the usage on
 * stdout (0).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { checkDatabaseReachable, createPool, startEmbeddedPostgres, type AppConfig, type PoolOptions } from '@app/platform';
import type { RebuildProgress } from '@app/projections';

export function progressLine(p: RebuildProgress): string {
  const fraction = p.total === 0n ? 1 : Number((p.position * 1000n) / p.total) / 1000;
  const width = 30;
  const filled = Math.round(fraction * width);
  const eta = p.etaSeconds === null ? '?' : `${Math.ceil(p.etaSeconds)}s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.position}/${p.total}  ${p.events} events  ${Math.round(p.eventsPerSecond)} ev/s  ETA ${eta}`;
}

/** Exit status of every CLI here for a command line it cannot run. */
const USAGE_EXIT = 2;

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

// Output piped into a reader that stops early (`| head`): the rest of it is dropped, and the tool
// still ends with its own status (a verify's verdict, a migration's "newer events").
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

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

/**
 * A pool on the service's read-model database: DATABASE_URL, or else the embedded PostgreSQL under
 * DATA_DIR (only while the API is not running: that server belongs to the API process). With
 * EVENT_STORE=kurrentdb or NODE_ENV=production it refuses rather than start that server: there the
 * read models live in the service's own PostgreSQL, and an embedded one would read as empty (or
 * take a rebuild meant for the service). A DATABASE_URL whose server cannot be reached is one line
 * naming it, as at the service's start. `close` ends the pool, and the embedded server if started.
 */
export async function openReadModelDatabase(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'eventStore' | 'production'>,
  tool: string,
  poolOptions: PoolOptions,
): Promise<{ pool: Pool; close(): Promise<void> }> {
  if (config.databaseUrl) {
    const pool = createPool(config.databaseUrl, poolOptions);
    await checkDatabaseReachable(pool, config.databaseUrl).catch(async (error: unknown) => {
      await pool.end();
      throw error;
    });
    return { pool, close: () => pool.end() };
  }
  if (config.eventStore === 'kurrentdb' || config.production) {
    throw new Error(
      `${tool} needs DATABASE_URL (the service's read-model database) with ${config.eventStore === 'kurrentdb' ? 'EVENT_STORE=kurrentdb' : 'NODE_ENV=production'}: ` +
        `it will not fall back to the embedded PostgreSQL under ${config.dataDir}, which is not where such a deployment keeps its read models`,
    );
  }
  // A mistyped DATA_DIR must not start (and so create) a new, empty cluster that reads as "nothing to do".
  const dataDir = join(config.dataDir, 'pg');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new Error(`${tool}: no embedded PostgreSQL under ${dataDir} (is DATA_DIR the service's?); give DATABASE_URL to use another database`);
  }
  const embedded = await startEmbeddedPostgres({ dataDir });
  const pool = createPool(embedded.url, poolOptions);
  return {
    pool,
    async close() {
      await pool.end();
      await embedded.stop();
    },
  };
}
