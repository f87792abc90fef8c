import { resolve } from 'node:path';

/** Everything the service reads from its environment, checked once at boot (API.md, "Configuration"). */
export interface AppConfig {
  port: number;
  host: string;
  production: boolean;
  dataDir: string;
  /** External PostgreSQL; unset → embedded PostgreSQL in `dataDir/pg`. */
  databaseUrl?: string;
  eventStore: 'postgres' | 'kurrentdb';
  kurrentDbUrl?: string;
  /** Unset → the fictitious sample (`registryFileFor`). */
  registryFile?: string;
  smsGatewayUrl?: string;
  clock: { mode: 'system' } | { mode: 'manual'; start?: Date };
  logLevel: string;
  /** Run projections and deadlines inside this process (default); `PROJECTOR=off` leaves them to apps/projector. */
  projector: boolean;
  /** How long a client may take to send a whole request (headers and body) before a 408. */
  requestTimeoutMs: number;
  /** Readiness answers 503 while an append (a command's or a deadline's) of this process has waited longer than this for the event store. */
  appendStallMs: number;
  /** How long a command's answer is kept for replays of its Idempotency-Key; older ones are purged. */
  idempotencyTtlHours: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_REGISTRY_FILE = resolve(__dirname, '../../registry/sample/registry.json');

/**
 * The registry the API checks applicants against: REGISTRY_FILE, or else the bundled sample of
 * fictitious people, which production never falls back to (real applicants would be checked
 * against made-up records, and someone else's facts shown for a real national code).
 */
export function registryFileFor(config: Pick<AppConfig, 'registryFile' | 'production'>): string {
  if (config.registryFile) return config.registryFile;
  if (config.production) {
    throw new ConfigError(`NODE_ENV=production needs REGISTRY_FILE, the applicants' registry; the bundled sample (${DEFAULT_REGISTRY_FILE}) is fictitious`);
  }
  return DEFAULT_REGISTRY_FILE;
}

/** The forms `pg` connects with: a postgres(ql):// URL (a Unix socket as `?host=/path`) or `socket:/path`. */
function isPostgresUrl(value: string): boolean {
  return /^(postgres(ql)?:\/\/|socket:)/i.test(value);
}

/**
 * Where a connection string points, for a log line: host, port and database, never the user's
 * password (nor anything else of a string that does not parse as a URL, which may hold one).
 */
export function serverOf(url: string): string {
  try {
    const { hostname, port, pathname, searchParams } = new URL(url);
    const host = hostname || searchParams.get('host') || 'localhost';
    return `${host}${port ? `:${port}` : ''}${pathname.length > 1 ? pathname : ''}`;
  } catch {
    return 'the server it names';
  }
}

/** pino's levels, and `silent`. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `defaultPort`: the API's 3000; the standalone projector's health and metrics port is 3001, so both run on one host. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, { defaultPort = 3000 } = {}): AppConfig {
  const port = Number(env.PORT || defaultPort); // PORT= (empty) is unset, not port 0 (a random one)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);

  const eventStore = env.EVENT_STORE ?? 'postgres';
  if (eventStore !== 'postgres' && eventStore !== 'kurrentdb') {
    throw new ConfigError(`EVENT_STORE must be "postgres" or "kurrentdb", got "${eventStore}"`);
  }
  if (eventStore === 'kurrentdb' && !env.KURRENTDB_URL) throw new ConfigError('EVENT_STORE=kurrentdb needs KURRENTDB_URL');

  const clockMode = env.CLOCK_MODE ?? 'system';
  let clock: AppConfig['clock'];
  if (clockMode === 'system') {
    if (env.CLOCK_START) throw new ConfigError('CLOCK_START only applies with CLOCK_MODE=manual');
    clock = { mode: 'system' };
  } else if (clockMode === 'manual') {
    // A manual clock turns on PUT /v1/_test/clock, which moves every deadline: never in production.
    if (env.NODE_ENV === 'production') throw new ConfigError('CLOCK_MODE=manual is for tests and demos; NODE_ENV=production refuses it');
    const start = env.CLOCK_START ? new Date(env.CLOCK_START) : undefined;
    if (start && Number.isNaN(start.getTime())) throw new ConfigError(`CLOCK_START must be an ISO-8601 instant, got "${env.CLOCK_START}"`);
    clock = start ? { mode: 'manual', start } : { mode: 'manual' };
  } else {
    throw new ConfigError(`CLOCK_MODE must be "system" or "manual", got "${clockMode}"`);
  }

  if (env.DATABASE_URL && !isPostgresUrl(env.DATABASE_URL)) {
    // Not echoed: a malformed value may still hold a password.
    throw new ConfigError('DATABASE_URL must be a PostgreSQL connection string (postgres://, postgresql:// or socket:); its value is not shown, as it may hold a password');
  }

  const projector = env.PROJECTOR ?? 'inline';
  if (projector !== 'inline' && projector !== 'off') throw new ConfigError(`PROJECTOR must be "inline" or "off", got "${projector}"`);
  // apps/projector must reach the same database: the embedded server's port changes on every start.
  if (projector === 'off' && !env.DATABASE_URL) throw new ConfigError('PROJECTOR=off needs DATABASE_URL: apps/projector cannot reach the embedded PostgreSQL');

  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const requestTimeoutMs = Number(env.REQUEST_TIMEOUT_MS || 30_000); // empty is unset, as for every variable
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
    throw new ConfigError(`REQUEST_TIMEOUT_MS must be a positive number of milliseconds, got "${env.REQUEST_TIMEOUT_MS}"`);
  }

  const appendStallMs = Number(env.APPEND_STALL_MS || 10_000);
  if (!Number.isInteger(appendStallMs) || appendStallMs < 1) {
    throw new ConfigError(`APPEND_STALL_MS must be a positive number of milliseconds, got "${env.APPEND_STALL_MS}"`);
  }

  const idempotencyTtlHours = Number(env.IDEMPOTENCY_TTL_HOURS || 72);
  if (!Number.isInteger(idempotencyTtlHours) || idempotencyTtlHours < 1) {
    throw new ConfigError(`IDEMPOTENCY_TTL_HOURS must be a whole number of hours ≥ 1, got "${env.IDEMPOTENCY_TTL_HOURS}"`);
  }

  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    production: env.NODE_ENV === 'production',
    dataDir: resolve(env.DATA_DIR ?? '.data'),
    databaseUrl: env.DATABASE_URL || undefined,
    eventStore,
    kurrentDbUrl: env.KURRENTDB_URL || undefined,
    registryFile: env.REGISTRY_FILE ? resolve(env.REGISTRY_FILE) : undefined,
    smsGatewayUrl: env.SMS_GATEWAY_URL || undefined,
    clock,
    logLevel,
    projector: projector === 'inline',
    requestTimeoutMs,
    appendStallMs,
    idempotencyTtlHours,
  };
}
