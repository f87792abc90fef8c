import { createHmac } from 'node:crypto';
import { CLOCK_TOLERANCE_SECONDS, InvalidTokenError, signToken, TokenVerifier, verifyToken, type TokenClaims } from './jwt';
import { DEV_JWT_SECRET, InsecureSecretError, listenAddress, resolveJwtSecret, resolveTokenExpectations, usesDevJwtSecret } from './secret';

const SECRET = 'test-secret-test-secret-test-secret';
const NOW = new Date('2026-12-01T08:00:00Z');
const T = NOW.getTime() / 1000;
const at = (seconds: number) => new Date(seconds * 1000);
const APPLICANT: TokenClaims = { sub: 'u-1', role: 'applicant', nationalCode: '0084575948', exp: T + 60 };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token with any header, signed with HS256 over whatever it says (to forge headers). */
function forge(header: unknown, claims: unknown, secret = SECRET): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function rejects(token: string, now = NOW): void {
  expect(() => verifyToken(token, SECRET, now)).toThrow(InvalidTokenError);
}

describe('HS256 tokens', () => {
  it('round-trips the actor, keeping only the claim of its role', () => {
    expect(verifyToken(signToken(APPLICANT, SECRET), SECRET, NOW)).toEqual({ sub: 'u-1', role: 'applicant', nationalCode: '0084575948' });
    const auditor = signToken({ sub: 'a', role: 'auditor', nationalCode: '0084575948', branchId: '1201', exp: T + 60 }, SECRET);
    expect(verifyToken(auditor, SECRET, NOW)).toEqual({ sub: 'a', role: 'auditor' });
    const officer = signToken({ sub: 'o', role: 'branch_officer', branchId: '1201', bankId: 'x', exp: T + 60 }, SECRET);
    expect(verifyToken(officer, SECRET, NOW)).toEqual({ sub: 'o', role: 'branch_officer', branchId: '1201' });
  });

  it('refuses alg none, other algorithms and a missing alg', () => {
    const claims = b64(APPLICANT);
    rejects(`${b64({ alg: 'none', typ: 'JWT' })}.${claims}.`);
    rejects(`${b64({ alg: 'none' })}.${claims}.AAAA`);
    rejects(forge({ alg: 'HS512', typ: 'JWT' }, APPLICANT));
    rejects(forge({ alg: 'RS256' }, APPLICANT));
    rejects(forge({ alg: 'hs256' }, APPLICANT));
    rejects(forge({ typ: 'JWT' }, APPLICANT));
    rejects(forge({ alg: 'HS256', crit: ['exp'] }, APPLICANT));
  });

  it('accepts a header without typ (it is optional)', () => {
    expect(verifyToken(forge({ alg: 'HS256' }, APPLICANT), SECRET, NOW).role).toBe('applicant');
  });

  it('refuses a wrong secret, a tampered payload and a truncated signature', () => {
    rejects(signToken(APPLICANT, 'another-secret'));
    const [h, , s] = signToken(APPLICANT, SECRET).split('.');
    rejects(`${h}.${b64({ ...APPLICANT, role: 'auditor' })}.${s}`);
    rejects(`${h}.${b64(APPLICANT)}.${s.slice(0, -2)}`);
  });

  it('checks exp and nbf against the given instant, with a small clock tolerance', () => {
    expect(CLOCK_TOLERANCE_SECONDS).toBe(30);
    const token = signToken({ ...APPLICANT, nbf: T - 10, exp: T + 60 }, SECRET);
    expect(verifyToken(token, SECRET, NOW).sub).toBe('u-1');
    // An identity provider whose clock runs up to 30 s fast: its tokens start and end early.
    expect(verifyToken(token, SECRET, at(T + 60)).sub).toBe('u-1');
    expect(verifyToken(token, SECRET, at(T + 89.999)).sub).toBe('u-1');
    expect(verifyToken(token, SECRET, at(T - 40)).sub).toBe('u-1');
    rejects(token, at(T + 90));
    rejects(token, at(T - 40.001));
    rejects(forge({ alg: 'HS256' }, { ...APPLICANT, exp: String(T + 60) }));
    rejects(forge({ alg: 'HS256' }, { ...APPLICANT, nbf: 'now' }));
  });

  it('refuses a token issued (iat) further in the future than the tolerance', () => {
    expect(verifyToken(signToken({ ...APPLICANT, iat: T - 3600 }, SECRET), SECRET, NOW).sub).toBe('u-1');
    expect(verifyToken(signToken({ ...APPLICANT, iat: T + 30 }, SECRET), SECRET, NOW).sub).toBe('u-1');
    expect(() => verifyToken(signToken({ ...APPLICANT, iat: T + 31 }, SECRET), SECRET, NOW)).toThrow('issued in the future');
    rejects(forge({ alg: 'HS256' }, { ...APPLICANT, iat: T + 3600 }));
    rejects(forge({ alg: 'HS256' }, { ...APPLICANT, iat: String(T) }));
  });

  it('accepts exactly one text per signature: the unused bits of its last character must be zero', () => {
    const token = signToken(APPLICANT, SECRET);
    const signature = token.split('.')[2]!;
    expect(signature).toHaveLength(43); // 32 bytes: the last character holds 4 bits of the hash and 2 unused ones
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const index = alphabet.indexOf(signature.at(-1)!);
    const variants = [1, 2, 3].map((low) => `${token.slice(0, -1)}${alphabet[(index & ~3) | ((index + low) & 3)]}`);
    for (const variant of variants) {
      expect(Buffer.from(variant.split('.')[2]!, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
      expect(() => verifyToken(variant, SECRET, NOW)).toThrow('not canonical');
    }
    const verifier = new TokenVerifier(SECRET);
    expect(verifier.verify(token, NOW).sub).toBe('u-1');
    for (const variant of variants) expect(() => verifier.verify(variant, NOW)).toThrow(InvalidTokenError);
  });

  it('refuses a token without exp: it would never expire', () => {
    const { exp: _exp, ...forever } = APPLICANT;
    expect(() => verifyToken(signToken(forever, SECRET), SECRET, NOW)).toThrow(new InvalidTokenError('exp is required'));
  });

  it('requires sub, a known role and the claim the role needs', () => {
    rejects(forge({ alg: 'HS256' }, { ...APPLICANT, sub: '' }));
    rejects(forge({ alg: 'HS256' }, { ...APPLICANT, role: 'admin' }));
    rejects(forge({ alg: 'HS256' }, { sub: 'u', role: 'applicant', exp: T + 60 }));
    rejects(forge({ alg: 'HS256' }, { ...APPLICANT, nationalCode: '0084575949' }));
    rejects(forge({ alg: 'HS256' }, { sub: 'b', role: 'bank', exp: T + 60 }));
    rejects(forge({ alg: 'HS256' }, { sub: 'o', role: 'branch_officer', branchId: 1201, exp: T + 60 }));
  });

  it('refuses claims PostgreSQL could not keep (NUL, an unpaired surrogate): they were a 500 at the append', () => {
    for (const bad of ['a\u0000b', 'a\ud800b', '\udc00']) {
      rejects(forge({ alg: 'HS256' }, { ...APPLICANT, sub: bad }));
      rejects(forge({ alg: 'HS256' }, { sub: 'b', role: 'bank', bankId: bad, exp: T + 60 }));
      rejects(forge({ alg: 'HS256' }, { sub: 'o', role: 'branch_officer', branchId: bad, exp: T + 60 }));
    }
    expect(verifyToken(forge({ alg: 'HS256' }, { ...APPLICANT, sub: 'کاربر 😀' }), SECRET, NOW)).toMatchObject({ sub: 'کاربر 😀' });
  });

  it.each([
    ['empty', ''],
    ['two parts', 'a.b'],
    ['four parts', 'a.b.c.d'],
    ['not base64url', 'a+b.c/d.e=f'],
    ['header not JSON', `${Buffer.from('{alg').toString('base64url')}.e30.AAAA`],
    ['payload an array', forge({ alg: 'HS256' }, [APPLICANT])],
    ['huge', 'a'.repeat(5000) + '.b.c'],
  ])('refuses a malformed token (%s)', (_name, token) => {
    rejects(token);
  });
});

describe('issuer and audience (AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE)', () => {
  const expected = { issuer: 'https://sso.example/idp', audience: 'voluntary-insurance' };

  it('when set, requires each of every token: a token another system signed with a shared secret is refused', () => {
    const ok = (claims: Partial<TokenClaims>) => verifyToken(signToken({ ...APPLICANT, ...claims }, SECRET), SECRET, NOW, expected).sub;
    expect(ok({ iss: expected.issuer, aud: expected.audience })).toBe('u-1');
    expect(ok({ iss: expected.issuer, aud: ['portal', expected.audience] })).toBe('u-1');
    expect(() => ok({ aud: expected.audience })).toThrow('wrong or missing iss');
    expect(() => ok({ iss: 'https://elsewhere.example', aud: expected.audience })).toThrow('wrong or missing iss');
    expect(() => ok({ iss: expected.issuer })).toThrow('wrong or missing aud');
    expect(() => ok({ iss: expected.issuer, aud: ['portal'] })).toThrow('wrong or missing aud');
    const verifier = new TokenVerifier(SECRET, expected);
    expect(() => verifier.verify(signToken({ ...APPLICANT, iss: 'x', aud: 'y' }, SECRET), NOW)).toThrow(InvalidTokenError);
  });

  it('unset (or blank), any or none is accepted, as before', () => {
    expect(verifyToken(signToken({ ...APPLICANT, iss: 'anyone', aud: 'anything' }, SECRET), SECRET, NOW).sub).toBe('u-1');
    expect(resolveTokenExpectations({})).toEqual({});
    expect(resolveTokenExpectations({ AUTH_JWT_ISSUER: ' ', AUTH_JWT_AUDIENCE: '' })).toEqual({});
    expect(resolveTokenExpectations({ AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' })).toEqual({ issuer: 'i', audience: 'a' });
  });
});

describe('a verifier that remembers verified tokens', () => {
  it('still checks the validity window at every use', () => {
    const verifier = new TokenVerifier(SECRET);
    const token = signToken({ ...APPLICANT, nbf: T - 10 }, SECRET);
    expect(verifier.verify(token, NOW).sub).toBe('u-1');
    expect(verifier.verify(token, NOW).sub).toBe('u-1');
    expect(() => verifier.verify(token, at(T + 90))).toThrow('expired');
    expect(() => verifier.verify(token, at(T - 41))).toThrow('not valid yet');
    const early = signToken({ ...APPLICANT, iat: T + 60 }, SECRET);
    expect(() => verifier.verify(early, NOW)).toThrow('issued in the future');
    expect(verifier.verify(early, at(T + 30)).sub).toBe('u-1');
  });

  it('remembers only what it verified: a changed signature or a refused token is checked again', () => {
    const verifier = new TokenVerifier(SECRET);
    const token = signToken(APPLICANT, SECRET);
    verifier.verify(token, NOW);
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${signToken({ ...APPLICANT, sub: 'u-2' }, SECRET).split('.')[1]}.${signature}`;
    expect(() => verifier.verify(tampered, NOW)).toThrow('bad signature');
    const wrongSecret = signToken(APPLICANT, 'another-secret-another-secret-xx');
    expect(() => verifier.verify(wrongSecret, NOW)).toThrow('bad signature');
    expect(() => verifier.verify(wrongSecret, NOW)).toThrow('bad signature');
  });

  it('holds at most its capacity, dropping the oldest', () => {
    const verifier = new TokenVerifier(SECRET, {}, 2);
    const tokens = ['a', 'b', 'c'].map((sub) => signToken({ sub, role: 'auditor', exp: T + 60 }, SECRET));
    for (const token of tokens) verifier.verify(token, NOW);
    const remembered = (verifier as unknown as { verified: Map<string, unknown> }).verified;
    expect([...remembered.keys()]).toEqual(tokens.slice(1));
  });
});

describe('the signing secret', () => {
  it('defaults to the dev secret outside production', () => {
    expect(resolveJwtSecret({})).toBe(DEV_JWT_SECRET);
    expect(resolveJwtSecret({ NODE_ENV: 'test', AUTH_JWT_SECRET: 'x' })).toBe('x');
  });

  it('refuses to boot in production without a real secret', () => {
    expect(() => resolveJwtSecret({ NODE_ENV: 'production' })).toThrow(InsecureSecretError);
    expect(() => resolveJwtSecret({ NODE_ENV: 'production', AUTH_JWT_SECRET: '' })).toThrow(InsecureSecretError);
    expect(() => resolveJwtSecret({ NODE_ENV: 'production', AUTH_JWT_SECRET: DEV_JWT_SECRET })).toThrow(InsecureSecretError);
    expect(() => resolveJwtSecret({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'short' })).toThrow(InsecureSecretError);
    const real = 'k'.repeat(32);
    expect(resolveJwtSecret({ NODE_ENV: 'production', AUTH_JWT_SECRET: real })).toBe(real);
  });

  it('knows when the published dev secret is in use', () => {
    expect(usesDevJwtSecret({})).toBe(true);
    expect(usesDevJwtSecret({ AUTH_JWT_SECRET: '' })).toBe(true);
    expect(usesDevJwtSecret({ NODE_ENV: 'test', AUTH_JWT_SECRET: DEV_JWT_SECRET })).toBe(true);
    expect(usesDevJwtSecret({ AUTH_JWT_SECRET: 'a-real-one' })).toBe(false);
    expect(usesDevJwtSecret({ NODE_ENV: 'production' })).toBe(false); // refused at boot instead
  });

  it('on the dev secret without HOST, listens on loopback only, and warns', () => {
    const { host, warning } = listenAddress({}, '0.0.0.0');
    expect(host).toBe('127.0.0.1');
    expect(warning).toContain('published development secret');
    expect(warning).toContain('listening on 127.0.0.1 only (set HOST to listen elsewhere)');
    expect(warning).toContain('Set AUTH_JWT_SECRET');
  });

  it('on the dev secret honours an explicit HOST, still warning', () => {
    const { host, warning } = listenAddress({ HOST: '0.0.0.0' }, '0.0.0.0');
    expect(host).toBe('0.0.0.0');
    expect(warning).toContain('listening on 0.0.0.0 as HOST says');
  });

  it('with a real secret, listens where configured, silently', () => {
    expect(listenAddress({ AUTH_JWT_SECRET: 'a-real-one' }, '0.0.0.0')).toEqual({ host: '0.0.0.0' });
    expect(listenAddress({ AUTH_JWT_SECRET: 'a-real-one', HOST: '10.0.0.5' }, '10.0.0.5')).toEqual({ host: '10.0.0.5' });
  });
});
