import { createHmac, timingSafeEqual } from 'node:crypto';
import { isValidNationalCode } from '@app/contracts-domain';
import { unstorableTextAt } from '@app/platform';
import { isRole, SCOPE_CLAIM, type Actor, type Role } from './actor';

/**
 * HS256 JSON Web Tokens with node:crypto only: the small subset we need, strict about everything
 * an attacker controls (RFC 7519, RFC 8725 best practices).
 */

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(`invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

/** What the token script and tests sign. `exp`/`nbf`/`iat` are seconds since the epoch. */
export interface TokenClaims {
  sub: string;
  role: Role;
  nationalCode?: string;
  branchId?: string;
  bankId?: string;
  iat?: number;
  nbf?: number;
  /** Our tokens always carry one; tokens from elsewhere may omit it (RFC 7519 makes it optional). */
  exp?: number;
  iss?: string;
  aud?: string | string[];
}

/**
 * Who must have issued a token and for whom (AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE): each, when set,
 * is required of every token, so tokens another system signs with a shared secret are refused.
 */
export interface TokenExpectations {
  issuer?: string;
  audience?: string;
}

const HEADER = { alg: 'HS256', typ: 'JWT' } as const;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Far above any token we issue; stops us from parsing megabytes of attacker JSON. */
const MAX_TOKEN_LENGTH = 4096;
const MAX_CLAIM_LENGTH = 64;
/**
 * Seconds a token's `exp` and `nbf` are stretched by, and how far ahead its `iat` may be: an
 * identity provider whose clock runs a little fast would otherwise see occasional 401s.
 */
export const CLOCK_TOLERANCE_SECONDS = 30;

export function signToken(claims: TokenClaims, secret: string): string {
  const signingInput = `${encode(HEADER)}.${encode(claims)}`;
  return `${signingInput}.${hmac(signingInput, secret).toString('base64url')}`;
}

/** Verifies signature, algorithm, issuer and audience, and validity window at `now`, and returns who is calling. */
export function verifyToken(token: string, secret: string, now: Date, expected: TokenExpectations = {}): Actor {
  const verified = verifySigned(token, secret, expected);
  checkValidAt(verified, now);
  return verified.actor;
}

/**
 * `verifyToken` for a server: a token whose signature and claims were verified is remembered by
 * its exact text (signature included), so a client sending it again skips the HMAC, the base64
 * and the JSON (~4 % of the API's CPU under load, docs/performance.md); its validity window is
 * still checked at every use. Holds at most `capacity` tokens, dropping the oldest first.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    private readonly secret: string,
    private readonly expected: TokenExpectations = {},
    private readonly capacity = 10_000,
  ) {}

  verify(token: string, now: Date): Actor {
    let verified = this.verified.get(token);
    if (!verified) {
      verified = verifySigned(token, this.secret, this.expected);
      if (this.verified.size >= this.capacity) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, verified);
    }
    checkValidAt(verified, now);
    return verified.actor;
  }
}

interface VerifiedToken {
  actor: Actor;
  exp: unknown;
  nbf: unknown;
  iat: unknown;
}

/** Everything but the validity window, which depends on when the token is used. */
function verifySigned(token: string, secret: string, expectations: TokenExpectations): VerifiedToken {
  if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('too long');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) throw new InvalidTokenError('not a compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts;

  // The algorithm is fixed by us, never chosen by the token: `none`, RS256 with our secret as a
  // "public key", and any other confusion are refused before the signature is even looked at.
  const header = decodeObject(headerPart, 'header');
  if (header.alg !== 'HS256') throw new InvalidTokenError('algorithm must be HS256');
  if (header.typ !== undefined && header.typ !== 'JWT') throw new InvalidTokenError('unexpected typ');
  if (header.crit !== undefined) throw new InvalidTokenError('critical extensions are not supported');

  const given = Buffer.from(signaturePart, 'base64url');
  // The last character of 32 bytes in base64url carries 2 unused bits: without this, four texts
  // (each remembered apart by TokenVerifier) would verify as one token.
  if (given.toString('base64url') !== signaturePart) throw new InvalidTokenError('signature is not canonical base64url');
  const expected = hmac(`${headerPart}.${payloadPart}`, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidTokenError('bad signature');

  const claims = decodeObject(payloadPart, 'payload');
  if (expectations.issuer !== undefined && claims.iss !== expectations.issuer) throw new InvalidTokenError('wrong or missing iss');
  if (expectations.audience !== undefined && !forAudience(claims.aud, expectations.audience)) throw new InvalidTokenError('wrong or missing aud');
  // Frozen: a remembered token's actor is the same object for every request that sends it.
  return { actor: Object.freeze(actorFrom(claims)), exp: claims.exp, nbf: claims.nbf, iat: claims.iat };
}

/**
 * The validity window, `CLOCK_TOLERANCE_SECONDS` wider on each side (RFC 7519 §4.1.4–5 allow
 * "some small leeway"). A token issued (`iat`) further ahead than that is refused: its issuer's clock
 * is far off, or it was minted now to be used later. A token without `exp` is refused: RFC 7519
 * makes it optional, but one that never expires stays good for whoever copies it, for ever.
 */
function checkValidAt({ exp, nbf, iat }: VerifiedToken, now: Date): void {
  const nowSeconds = now.getTime() / 1000;
  if (exp === undefined) throw new InvalidTokenError('exp is required');
  if (typeof exp !== 'number' || nowSeconds >= exp + CLOCK_TOLERANCE_SECONDS) throw new InvalidTokenError('expired');
  if (nbf !== undefined && (typeof nbf !== 'number' || nowSeconds < nbf - CLOCK_TOLERANCE_SECONDS)) throw new InvalidTokenError('not valid yet');
  if (iat !== undefined && (typeof iat !== 'number' || iat > nowSeconds + CLOCK_TOLERANCE_SECONDS)) throw new InvalidTokenError('issued in the future');
}

/** RFC 7519 §4.1.3: `aud` is one string or an array of them, and must name us. */
function forAudience(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

function actorFrom(claims: Record<string, unknown>): Actor {
  const sub = claims.sub;
  if (!isShortString(sub)) throw new InvalidTokenError('sub is required');
  const role = claims.role;
  if (!isRole(role)) throw new InvalidTokenError('unknown role');
  const scope = SCOPE_CLAIM[role];
  if (!scope) return { sub, role };
  const value = claims[scope];
  if (!isShortString(value)) throw new InvalidTokenError(`${scope} is required for role ${role}`);
  if (scope === 'nationalCode' && !isValidNationalCode(value)) throw new InvalidTokenError('nationalCode is not valid');
  return { sub, role, [scope]: value };
}

/** Claims end up in events' metadata and in SQL parameters: text PostgreSQL cannot keep is refused here. */
function isShortString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLAIM_LENGTH && unstorableTextAt(value) === undefined;
}

function hmac(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError(`${what} is not an object`);
  return value as Record<string, unknown>;
}
