/**
 * Prints a dev token signed with the secret the API uses (AUTH_JWT_SECRET, or the dev default):
 *
 *   npm run -s token -- --role auditor
 *   npm run -s token -- --role applicant --nationalCode 0089216091 [--sub u-1] [--ttl 3600]
 *   npm run -s token -- --role branch_officer --branchId 1002
 *   npm run -s token -- --role bank --bankId mellat
 *
 * Only the token goes to stdout, so `TOKEN=$(npm run -s token -- --role ops)` works. Exit status
 * and `--help` as every CLI here (./cli.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isRole, ROLES, SCOPE_CLAIM, type Role } from '../apps/contracts-api/src/auth/actor';
import { signToken, verifyToken, type TokenClaims } from '../apps/contracts-api/src/auth/jwt';
import { resolveJwtSecret, resolveTokenExpectations } from '../apps/contracts-api/src/auth/secret';
import { UsageError, runCli } from './cli';

const DEFAULT_TTL_SECONDS = 3600;
/** A dev token for a year at most: its `exp` stays an ordinary date. */
const MAX_TTL_SECONDS = 366 * 24 * 3600;
/** Signs only the check of a token's claims before the secret is read; never a token that is printed. */
const CHECK_KEY = randomBytes(32).toString('hex');

export const USAGE = [
  'usage: token --role <role> [--sub <sub>] [--nationalCode <code> | --branchId <id> | --bankId <id>] [--ttl <seconds>]',
  `  roles: ${ROLES.map((role) => (SCOPE_CLAIM[role] ? `${role} (--${SCOPE_CLAIM[role]})` : role)).join(', ')}`,
  `  --ttl: seconds until it expires (default ${DEFAULT_TTL_SECONDS}, at most ${MAX_TTL_SECONDS}); --sub: the caller's id (default: the role and its claim)`,
  '  sample applicants and their branches: libs/registry/sample/README.md; --bankId: any bank\'s id (e.g. mellat)',
].join('\n');

/** Builds the token for command-line arguments; `now` is when it is issued. */
export function tokenFor(args: string[], env: NodeJS.ProcessEnv, now: Date): string {
  const { values } = parseOptions(() => parseArgs({
    args,
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      nationalCode: { type: 'string' },
      branchId: { type: 'string' },
      bankId: { type: 'string' },
      ttl: { type: 'string' },
    },
    strict: true,
  }));
  const role = values.role;
  if (!isRole(role)) throw new UsageError(`--role must be one of: ${ROLES.join(', ')}`);
  const ttl = values.ttl === undefined ? DEFAULT_TTL_SECONDS : /^\d{1,9}$/.test(values.ttl) ? Number(values.ttl) : NaN;
  if (!(ttl >= 1 && ttl <= MAX_TTL_SECONDS)) throw new UsageError(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS} (366 days), got "${values.ttl}"`);

  const scope = SCOPE_CLAIM[role];
  const scopeValue = scope ? values[scope] : undefined;
  if (scope && !scopeValue) throw new UsageError(`--role ${role} needs --${scope}${hint(role)}`);
  // A claim of another role would be dropped without a word, and the token not be what was asked for.
  const scopeClaims = new Set(Object.values(SCOPE_CLAIM).filter((claim) => claim !== undefined));
  const foreign = [...scopeClaims].filter((claim) => claim !== scope && values[claim] !== undefined);
  if (foreign.length > 0) throw new UsageError(`--role ${role} takes ${scope ? `--${scope}` : 'no scope claim'}, not ${foreign.map((claim) => `--${claim}`).join(', ')}`);

  const iat = Math.floor(now.getTime() / 1000);
  const claims: TokenClaims = {
    sub: values.sub ?? defaultSub(role, scopeValue),
    role,
    ...(scope && scopeValue ? { [scope]: scopeValue } : {}),
    iat,
    exp: iat + ttl,
  };
  // What the API requires of every token, when set: AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE.
  const expected = resolveTokenExpectations(env);
  if (expected.issuer) claims.iss = expected.issuer;
  if (expected.audience) claims.aud = expected.audience;
  // The API would refuse what we cannot verify ourselves (e.g. an invalid national code): say so
  // now, as the command line's fault (exit 2 with the usage). Checked with a key of our own before
  // the secret is read, so that a refused AUTH_JWT_SECRET does not hide a mistyped claim.
  try {
    verifyToken(signToken(claims, CHECK_KEY), CHECK_KEY, now, expected);
  } catch (error) {
    throw new UsageError(`token: the API would refuse it: ${(error as Error).message.replace(/^invalid token: /, '')}`);
  }
  return signToken(claims, resolveJwtSecret(env));
}

/**
 * Stable per person (re-minted tokens keep their idempotency scope) and distinct between people,
 * without putting a national code into a claim that is logged.
 */
function defaultSub(role: Role, scopeValue: string | undefined): string {
  if (!scopeValue) return `dev-${role}`;
  return `dev-${role}-${createHash('sha256').update(scopeValue).digest('hex').slice(0, 12)}`;
}

function hint(role: Role): string {
  return role === 'applicant' ? ' (a well-known one is listed in libs/registry/sample/README.md)' : '';
}

/** node:util's own refusals (an unknown option, a missing value) are usage errors like ours. */
function parseOptions<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`token: ${(error as Error).message}`);
  }
}

if (require.main === module) {
  const print = async (argv: string[]) => void process.stdout.write(`${tokenFor(argv, process.env, new Date())}\n`);
  void runCli(USAGE, print, process.argv.slice(2)).then((code) => process.exit(code));
}
