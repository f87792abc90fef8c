import { DatabaseError, Pool, types, type CustomTypesConfig, type PoolClient, type PoolConfig } from 'pg';

const INT8 = 20;
const INT8_ARRAY = 1016;
const JSON_OID = 114;
const JSONB = 3802;
type Parser = (value: string) => unknown;
const defaultParser = types.getTypeParser as (oid: number, format?: 'text' | 'binary') => Parser;

/**
 * BIGINT (int8) columns come back as JS `bigint`, never as a lossy `number` nor as a string:
 * event positions are 64-bit and money is integer rial. Cast in SQL (`count(*)::int`) where a
 * `number` is wanted. `numeric` stays a string, as in `pg`. JSON and JSONB are parsed by
 * `JSON.parse` here, not through `pg`'s global table, which any library in the process may
 * replace (Emmett's does, with a reviver that halved our reads: docs/performance.md, session 6).
 * Every other type keeps `pg`'s parser.
 */
function parserFor(oid: number, format: 'text' | 'binary' = 'text'): Parser {
  if (oid === INT8) return (value) => BigInt(value);
  if ((oid === JSON_OID || oid === JSONB) && format === 'text') return (value) => JSON.parse(value) as unknown;
  if (oid === INT8_ARRAY) {
    const parseStrings = defaultParser(INT8_ARRAY) as (value: string) => (string | null)[];
    return (value) => parseStrings(value).map((item) => (item === null ? null : BigInt(item)));
  }
  return defaultParser(oid, format);
}

/** Socket errors of a server that cannot be reached or went away under a query. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg gives no code to a connection that ended under a query, to a client left unusable by it, nor to a connection attempt that timed out. */
const CONNECTION_LOST = /^Connection terminated|not queryable|^timeout exceeded when trying to connect/;

/**
 * The connection failed, not the statement: the server cannot be reached, never answered, or went
 * away. One test for the start's configuration check and the API's 503 alike.
 */
export function isConnectionFailure(error: unknown): boolean {
  // Not `instanceof Error`: Node's own errors may come from another realm (jest's sandbox).
  if (typeof error !== 'object' || error === null || error instanceof DatabaseError) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && CONNECTION_CODES.has(code)) || (typeof message === 'string' && CONNECTION_LOST.test(message));
}

/** The statement named a table that does not exist (42P01): e.g. a read model not built yet. */
export function isUndefinedTable(error: unknown): boolean {
  return error instanceof DatabaseError && error.code === '42P01';
}

export interface PoolOptions {
  /** Most connections open at once (default 10). */
  max?: number;
  /** Shown in pg_stat_activity, to tell the app's connections apart. */
  applicationName?: string;
  /** How long opening a connection may take (default 10 s) before the query behind it fails. */
  connectTimeoutMs?: number;
  /** An idle connection failed (e.g. the server restarted); the pool has already discarded it. */
  onIdleError?: (error: Error) => void;
}

const CONNECT_TIMEOUT_MS = 10_000;
export const KEEPALIVE_IDLE_MS = 10_000;

/** A connection pool with this project's type parsing; the caller ends it. */
export function createPool(url: string, options: PoolOptions = {}): Pool {
  const config: PoolConfig = {
    connectionString: url,
    max: options.max ?? 10,
    // A server that accepts the socket but never answers (hung, its host paused) must not hold a
    // connection attempt, and the request behind it, for good.
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    // A connection whose server vanished without a word (its host lost, a NAT's state dropped)
    // otherwise waits for an answer for good: probes after 10 s idle find it dead.
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    types: { getTypeParser: parserFor as CustomTypesConfig['getTypeParser'] },
  };
  if (options.applicationName) config.application_name = options.applicationName;
  const pool = new Pool(config);
  // Without a listener, an idle client losing its connection would crash the process; the pool
  // discards that client and the next query opens a new one.
  pool.on('error', (error) => options.onIdleError?.(error));
  // The pool listens for errors only on idle clients. A checked-out client whose connection dies
  // between two queries (the server restarts, an admin terminates it) emits 'error' with nobody
  // listening, which kills the process. Listening here is enough: the query in flight or the
  // next one still fails, and the pool discards the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * Runs `work` on one pooled connection and gives it back, whatever `work` threw. Prefer it to
 * `pool.query` wherever an error is an expected outcome (unique violations, serialization
 * failures): `pool.query` closes the connection on ANY query error, so each one then pays a new
 * connection with its SCRAM handshake and loses its prepared statements. A broken connection is
 * still discarded: the pool checks that on release. `work` must not leave a transaction open.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}
