import { join } from 'node:path';
import type { Pool } from 'pg';
import { PostgresSnapshots, type SnapshotStore } from '@app/contracts-app';
import { AppendWatch, openEventStore, type EventStore } from '@app/event-store';
import { isSupportedNow } from '@app/contracts-domain';
import {
  CLOCK,
  ConfigError,
  ManualClock,
  SystemClock,
  checkDatabaseReachable,
  createPool,
  migrate,
  registryFileFor,
  startEmbeddedPostgres,
  type AppConfig,
  type Clock,
  type RunningPostgres,
} from '@app/platform';
import type { Projector } from '@app/projections';
import type { Logger } from 'pino';
import { FileRegistry, RegistryFileError, type Registry } from '@app/registry';
import { startReadSide } from '../../projector/src/read-side';
import { createLogger, readSideLog } from './http/logging';
import { SUPPORTED_NOW } from './http/validation';
import { IdempotencyRetention, PostgresIdempotencyStore } from './infrastructure/idempotency';
import { apiMigrations } from './infrastructure/migrations';
import { resumeManualClock } from './clock/stored-clock';

export const PG_POOL = Symbol('PG_POOL');
export const APP_CONFIG = Symbol('APP_CONFIG');
export const PROJECTOR = Symbol('PROJECTOR');
export { CLOCK };

/** The process's outside world, built once at boot and handed to the Nest module (tests build their own). */
export interface Runtime {
  config: AppConfig;
  pool: Pool;
  eventStore: EventStore;
  /**
   * Times this process's appends, for readiness (APPEND_STALL_MS) and /metrics: the HTTP app's
   * (`appends.watch(eventStore)`) and, with the read side inline, its deadlines'. `eventStore`
   * itself stays unwrapped, so a test's spy on it is what both call.
   */
  appends: AppendWatch;
  /** Snapshots of long contracts, in PostgreSQL whichever store holds the events. */
  snapshots: SnapshotStore;
  clock: Clock;
  registry: Registry;
  /** Projections and deadlines, in this process unless PROJECTOR=off (then apps/projector runs them). */
  projector?: Projector;
  /** The process's one logger (LOG_LEVEL, scrubbed): boot lines, the read side and the HTTP app. */
  logger: Logger;
  close(): Promise<void>;
}

/** A manual clock starting where the domain cannot compute Iran days would fail requests, or date them wrong: refused. */
export function clockFor(config: AppConfig, boot: Date): Clock {
  if (config.clock.mode === 'system') return new SystemClock();
  const start = config.clock.start ?? boot;
  if (!isSupportedNow(start)) {
    throw new ConfigError(`CLOCK_START must be ${SUPPORTED_NOW}, got ${start.toISOString()}`);
  }
  return new ManualClock(start);
}

/** REGISTRY_FILE that cannot be read, or holds bad records, is the operator's to fix: a `configuration:` line listing the problems. */
async function loadRegistry(file: string): Promise<FileRegistry> {
  try {
    return await FileRegistry.load(file);
  } catch (error) {
    throw error instanceof RegistryFileError ? new ConfigError(`REGISTRY_FILE: ${error.message}`) : error;
  }
}

/**
 * The registry and the clock first (a bad REGISTRY_FILE or CLOCK_START starts nothing), then the
 * database (embedded PostgreSQL under DATA_DIR unless DATABASE_URL is set), migrations, the
 * idempotency retention (hourly purge of answers older than IDEMPOTENCY_TTL_HOURS) and the event
 * store. `close` undoes it in reverse order.
 */
export async function startRuntime(config: AppConfig): Promise<Runtime> {
  const registry = await loadRegistry(registryFileFor(config)); // refused before anything starts
  const clock = clockFor(config, new SystemClock().now()); // as is a manual clock's start
  const logger = createLogger({ level: config.logLevel });
  const log = readSideLog(logger);
  let embedded: RunningPostgres | undefined;
  let url = config.databaseUrl;
  if (!url && config.production) {
    // Its data would live in the container or folder it runs from, under a superuser password kept
    // beside it: a development convenience, not where production keeps applicants' contracts.
    throw new ConfigError(`NODE_ENV=production needs DATABASE_URL: it does not start the embedded PostgreSQL under ${config.dataDir}`);
  }
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: join(config.dataDir, 'pg'),
      // Without its database the service could only answer 503 for good while /health/live says
      // ok: exit, so that whatever supervises it starts it again, server included.
      onUnexpectedExit: ({ code, signal }) => {
        logger.fatal({ code, signal }, 'embedded PostgreSQL exited unexpectedly; exiting so that the service can be started again');
        process.exit(1);
      },
    });
    url = embedded.url;
    log({ level: 'info', msg: `embedded PostgreSQL started in ${join(config.dataDir, 'pg')} on port ${embedded.port}` });
  }
  const pool = createPool(url, { max: 20, applicationName: 'contracts-api' });
  const retention = new IdempotencyRetention(new PostgresIdempotencyStore(pool), { ttlHours: config.idempotencyTtlHours, log });
  try {
    if (!embedded) await checkDatabaseReachable(pool, url);
    for (const id of await migrate(pool, 'contracts-api', apiMigrations)) log({ level: 'info', msg: `migration applied: ${id}` });
    retention.start();
    const eventStore = await openEventStore({ kind: config.eventStore, pool, kurrentDbUrl: config.kurrentDbUrl });
    const appends = new AppendWatch();
    if (clock instanceof ManualClock) {
      const note = await resumeManualClock(pool, clock, {
        clockStartGiven: config.clock.mode === 'manual' && config.clock.start !== undefined,
        storeHasEvents: async () => (await eventStore.headPosition()) > 0n,
      });
      if (note) log(note);
    }
    const snapshots = await PostgresSnapshots.create(pool);
    const readSide = config.projector
      ? await startReadSide({ pool, eventStore: appends.watch(eventStore), clock, config, log }) // its deadlines stall readiness as a command's append does
      : undefined;
    if (!readSide && config.clock.mode === 'manual') {
      // apps/projector acts on the system clock only: nothing follows this one (tests of reads use it).
      log({ level: 'warn', msg: 'PROJECTOR=off with CLOCK_MODE=manual: no process fires deadlines or sends SMS by this manual clock; run the read side inline (PROJECTOR=inline) to test them' });
    }
    return {
      config,
      pool,
      eventStore,
      appends,
      snapshots,
      clock,
      registry,
      projector: readSide?.projector,
      logger,
      async close() {
        await readSide?.stop();
        await retention.stop();
        await eventStore.close();
        await pool.end();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await retention.stop();
    await pool.end();
    await embedded?.stop();
    throw error;
  }
}
