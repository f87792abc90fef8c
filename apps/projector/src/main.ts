import { AppendWatch, openEventStore } from '@app/event-store';
import { ConfigError, SystemClock, checkDatabaseReachable, createPool, loadConfig, runProcess } from '@app/platform';
import { createLogger, readSideLog } from '../../contracts-api/src/http/logging';
import { startHealthServer } from './health-server';
import { startReadSide } from './read-side';

/**
 * The projector alone (`node dist/apps/projector/src/main.js`), for running it apart from the API
 * and scaling it separately; any number may run, one owns each projection. It needs DATABASE_URL
 * (the API's embedded PostgreSQL belongs to the API process). Deadlines fire by the system clock;
 * with CLOCK_MODE=manual they (and SMS) are left to the API process, which owns the manual clock:
 * only when that API runs its read side inline (with PROJECTOR=off it warns that none will fire).
 * Its HTTP is health and metrics only, on PORT (default 3001, beside the API's 3000).
 */
runProcess(async (onSignal) => {
  const config = loadConfig(process.env, { defaultPort: 3001 });
  // The API's logger: the same line format, LOG_LEVEL and scrubbing in both processes.
  const log = readSideLog(createLogger({ level: config.logLevel }));
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL is required to run the projector on its own');
  const pool = createPool(config.databaseUrl, { max: 10, applicationName: 'projector' });
  await checkDatabaseReachable(pool, config.databaseUrl);
  // Its appends (the deadlines it records) timed, as the API's are, for readiness and /metrics.
  const appends = new AppendWatch();
  const eventStore = appends.watch(await openEventStore({ kind: config.eventStore, pool, kurrentDbUrl: config.kurrentDbUrl }));
  const readSide = await startReadSide({ pool, eventStore, clock: new SystemClock(), config, log, actOnTime: config.clock.mode === 'system' });
  const health = await startHealthServer({ port: config.port, host: config.host, pool, eventStore, projector: readSide.projector, appends, appendStallMs: config.appendStallMs });
  log({ level: 'info', msg: `projector started; health and metrics on ${health.url}` });

  onSignal(async (signal) => {
    log({ level: 'info', msg: `${signal}: stopping projector` });
    await health.close();
    await readSide.stop();
    await eventStore.close();
    await pool.end();
  });
});
