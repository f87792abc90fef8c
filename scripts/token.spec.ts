import { CLOCK_TOLERANCE_SECONDS, verifyToken } from '../apps/contracts-api/src/auth/jwt';
import { DEV_JWT_SECRET } from '../apps/contracts-api/src/auth/secret';
import { UsageError } from './cli';
import { tokenFor } from './token';

const NOW = new Date('2026-12-01T08:00:00Z');

describe('npm run token', () => {
  it('signs with the dev default secret, valid for an hour', () => {
    const token = tokenFor(['--role', 'auditor'], {}, NOW);
    expect(verifyToken(token, DEV_JWT_SECRET, NOW)).toEqual({ sub: 'dev-auditor', role: 'auditor' });
    expect(() => verifyToken(token, DEV_JWT_SECRET, new Date(NOW.getTime() + (3600 + CLOCK_TOLERANCE_SECONDS) * 1000))).toThrow('expired');
  });

  it('names the issuer and audience the API requires, when set', () => {
    const env = { AUTH_JWT_ISSUER: 'https://sso.example/idp', AUTH_JWT_AUDIENCE: 'voluntary-insurance' };
    const token = tokenFor(['--role', 'auditor'], env, NOW);
    expect(verifyToken(token, DEV_JWT_SECRET, NOW, { issuer: env.AUTH_JWT_ISSUER, audience: env.AUTH_JWT_AUDIENCE }).role).toBe('auditor');
    expect(() => verifyToken(tokenFor(['--role', 'auditor'], {}, NOW), DEV_JWT_SECRET, NOW, { issuer: env.AUTH_JWT_ISSUER })).toThrow('wrong or missing iss');
  });

  it('signs with AUTH_JWT_SECRET and the claim the role needs', () => {
    const env = { AUTH_JWT_SECRET: 'shared-secret' };
    const token = tokenFor(['--role', 'applicant', '--nationalCode', '0089216091', '--sub', 'u-1', '--ttl', '60'], env, NOW);
    expect(verifyToken(token, 'shared-secret', NOW)).toEqual({ sub: 'u-1', role: 'applicant', nationalCode: '0089216091' });
    expect(verifyToken(tokenFor(['--role', 'bank', '--bankId', 'mellat'], env, NOW), 'shared-secret', NOW).bankId).toBe('mellat');
  });

  it('gives each person a stable sub of their own that does not contain the national code', () => {
    const subOf = (nationalCode: string) => verifyToken(tokenFor(['--role', 'applicant', '--nationalCode', nationalCode], {}, NOW), DEV_JWT_SECRET, NOW).sub;
    expect(subOf('0089216091')).toBe(subOf('0089216091'));
    expect(subOf('0089216091')).not.toBe(subOf('0937560987'));
    expect(subOf('0089216091')).toMatch(/^dev-applicant-[0-9a-f]{12}$/);
  });

  it('refuses what the API would refuse', () => {
    expect(() => tokenFor(['--role', 'admin'], {}, NOW)).toThrow(UsageError);
    expect(() => tokenFor(['--role', 'applicant'], {}, NOW)).toThrow(/needs --nationalCode/);
    expect(() => tokenFor(['--role', 'branch_officer'], {}, NOW)).toThrow(/needs --branchId/);
    expect(() => tokenFor(['--role', 'applicant', '--nationalCode', '0089216092'], {}, NOW)).toThrow(new UsageError('token: the API would refuse it: nationalCode is not valid'));
    expect(() => tokenFor(['--role', 'auditor', '--ttl', '-5'], {}, NOW)).toThrow(/--ttl/);
    for (const ttl of ['0', '1e3', '2.5', '9007199254740991', String(366 * 24 * 3600 + 1)]) {
      expect(() => tokenFor(['--role', 'auditor', '--ttl', ttl], {}, NOW)).toThrow(new UsageError(`--ttl must be a whole number of seconds from 1 to 31622400 (366 days), got "${ttl}"`));
    }
    const longest = tokenFor(['--role', 'auditor', '--ttl', '31622400'], {}, NOW);
    expect(JSON.parse(Buffer.from(longest.split('.')[1]!, 'base64url').toString()).exp).toBe(Math.floor(NOW.getTime() / 1000) + 31_622_400);
    // Another role's claim is refused, not dropped.
    expect(() => tokenFor(['--role', 'ops', '--bankId', 'x'], {}, NOW)).toThrow(new UsageError('--role ops takes no scope claim, not --bankId'));
    expect(() => tokenFor(['--role', 'bank', '--bankId', 'mellat', '--branchId', '1002'], {}, NOW)).toThrow(new UsageError('--role bank takes --bankId, not --branchId'));
    expect(() => tokenFor(['--role', 'auditor', '--colour', 'red'], {}, NOW)).toThrow(UsageError);
  });

  it('will not sign with the dev secret in production', () => {
    expect(() => tokenFor(['--role', 'auditor'], { NODE_ENV: 'production' }, NOW)).toThrow(/AUTH_JWT_SECRET/);
  });

  it('refuses a claim the API would refuse as a usage error, even where the secret is refused too', () => {
    // A mistyped command line exits 2 with the usage whatever the environment (scripts/cli.ts).
    expect(() => tokenFor(['--role', 'applicant', '--nationalCode', '0089216092'], { NODE_ENV: 'production' }, NOW)).toThrow(
      new UsageError('token: the API would refuse it: nationalCode is not valid'),
    );
  });
});
