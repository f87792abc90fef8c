import { ConfigError } from '@app/platform';
import type { TokenExpectations } from './jwt';

/**
 * The HS256 secret. Development works out of the box with a well-known default; production must
 * be given a real one, so a forgotten variable fails the boot instead of accepting forged tokens.
 */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-do-not-use-in-production';

/** HS256 keys shorter than the hash output (32 bytes) weaken it (RFC 7518 §3.2). */
const MIN_PRODUCTION_SECRET_BYTES = 32;

export class InsecureSecretError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'InsecureSecretError';
  }
}

export function resolveJwtSecret(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env.AUTH_JWT_SECRET || undefined;
  if (env.NODE_ENV !== 'production') return secret ?? DEV_JWT_SECRET;
  if (!secret) throw new InsecureSecretError('AUTH_JWT_SECRET must be set when NODE_ENV=production');
  if (secret === DEV_JWT_SECRET) throw new InsecureSecretError('AUTH_JWT_SECRET must not be the development default in production');
  if (Buffer.byteLength(secret) < MIN_PRODUCTION_SECRET_BYTES) {
    throw new InsecureSecretError(`AUTH_JWT_SECRET must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes in production`);
  }
  return secret;
}

/** Whether tokens are checked with DEV_JWT_SECRET: published, so anyone can sign tokens it accepts. */
export function usesDevJwtSecret(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV !== 'production' && (env.AUTH_JWT_SECRET || DEV_JWT_SECRET) === DEV_JWT_SECRET;
}

/** Where a service on the dev secret listens when HOST is not set: this machine only. */
const DEV_SECRET_HOST = '127.0.0.1';

/**
 * Where the API listens, and what it warns at startup. With the dev secret and no HOST, on
 * loopback only rather than `configuredHost` (0.0.0.0 by default): a staging box started with
 * `npm start` would otherwise accept, from anywhere, tokens anyone can mint. An explicit HOST is
 * honoured, with the warning.
 */
export function listenAddress(env: NodeJS.ProcessEnv, configuredHost: string): { host: string; warning?: string } {
  if (!usesDevJwtSecret(env)) return { host: configuredHost };
  const host = env.HOST === undefined ? DEV_SECRET_HOST : configuredHost;
  const where =
    env.HOST === undefined
      ? `listening on ${host} only (set HOST to listen elsewhere)`
      : `listening on ${host} as HOST says`;
  return {
    host,
    warning:
      'tokens are checked with the published development secret (AUTH_JWT_SECRET unset or its default), so anyone can sign ' +
      `tokens this service accepts; ${where}. Set AUTH_JWT_SECRET (and NODE_ENV=production) on any machine others can reach.`,
  };
}

/** AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE, each required of every token when set (blank: unset). */
export function resolveTokenExpectations(env: NodeJS.ProcessEnv = process.env): TokenExpectations {
  const issuer = env.AUTH_JWT_ISSUER?.trim() || undefined;
  const audience = env.AUTH_JWT_AUDIENCE?.trim() || undefined;
  return { ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}) };
}

/** Injection token for the resolved issuer and audience a token must name. */
export const TOKEN_EXPECTATIONS = Symbol('TOKEN_EXPECTATIONS');

/** Injection token for the resolved secret. */
export const JWT_SECRET = Symbol('JWT_SECRET');

/**
 * The clock token lifetimes are checked against. Tokens are issued in real time, so this is the
 * system clock even when the business clock is manual (CLOCK_MODE=manual moves contract time by
 * months; it must not expire every caller's token). Tests inject a manual one.
 */
export const AUTH_CLOCK = Symbol('AUTH_CLOCK');
