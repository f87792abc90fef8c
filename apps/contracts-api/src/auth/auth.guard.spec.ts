import 'reflect-metadata';
import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsInt } from 'class-validator';
import { ManualClock } from '@app/platform';
import { startTinyApp, type TinyApp } from '../http/testing/tiny-app';
import type { Actor } from './actor';
import { CurrentActor, Public, Roles } from './decorators';
import { AUTH_CLOCK, authProviders, signToken, type TokenClaims } from './index';
import { CLOCK_TOLERANCE_SECONDS } from './jwt';

const SECRET = 'guard-spec-secret';
const clock = new ManualClock(new Date('2026-12-01T08:00:00Z'));
const T = clock.now().getTime() / 1000;

class PaymentDto {
  @IsInt() amount!: number;
}

@Controller('v1')
@Roles('auditor', 'applicant')
class ProbeController {
  @Get('me') me(@CurrentActor() actor: Actor) {
    return actor;
  }
  @Get('audit') @Roles('auditor') audit() {
    return { ok: true };
  }
  @Post('payments') @Roles('bank') pay(@Body() body: PaymentDto) {
    return body;
  }
  @Get('terms') @Public() terms() {
    return { version: '1' };
  }
}

@Module({
  controllers: [ProbeController],
  providers: [...authProviders({ AUTH_JWT_SECRET: SECRET }), { provide: AUTH_CLOCK, useValue: clock }],
})
class ProbeModule {}

const bearer = (claims: Partial<TokenClaims>) => ({
  authorization: `Bearer ${signToken({ sub: 's', role: 'auditor', exp: T + 3600, ...claims } as TokenClaims, SECRET)}`,
});

describe('auth guard', () => {
  let app: TinyApp;
  beforeAll(async () => {
    app = await startTinyApp(ProbeModule);
  });
  afterAll(() => app.close());

  async function expectProblem(request: Parameters<TinyApp['inject']>[0], status: number, code: string) {
    const res = await app.inject(request);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().code).toBe(code);
    return res;
  }

  it('gives the handler the verified actor', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer({ role: 'applicant', sub: 'u-7', nationalCode: '0084575948' }) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sub: 'u-7', role: 'applicant', nationalCode: '0084575948' });
  });

  it('a missing or non-bearer token → 401 UNAUTHENTICATED with a Bearer challenge', async () => {
    const res = await expectProblem({ method: 'GET', url: '/v1/me' }, 401, 'UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    const basic = await expectProblem({ method: 'GET', url: '/v1/me', headers: { authorization: 'Basic YTpi' } }, 401, 'UNAUTHENTICATED');
    expect(basic.headers['www-authenticate']).toBe('Bearer');
  });

  it('Bearer credentials that are not one token → 401 invalid_request', async () => {
    const valid = bearer({ role: 'applicant', sub: 'u-7', nationalCode: '0084575948' }).authorization;
    for (const authorization of ['Bearer', 'bearer  ', `${valid} x`]) {
      const res = await expectProblem({ method: 'GET', url: '/v1/me', headers: { authorization } }, 401, 'UNAUTHENTICATED');
      expect({ authorization, challenge: res.headers['www-authenticate'] }).toEqual({ authorization, challenge: 'Bearer error="invalid_request"' });
    }
  });

  it('two Authorization headers → 401 invalid_request, whichever comes first (Node would keep the first)', async () => {
    const valid = bearer({ role: 'applicant', sub: 'u-7', nationalCode: '0084575948' }).authorization;
    for (const pair of [[valid, 'Bearer garbage'], ['Bearer garbage', valid], [valid, valid]]) {
      // The inject type takes one value per header; an array reaches the server as two headers.
      const twice = { method: 'GET', url: '/v1/me', headers: { authorization: pair } } as unknown as Parameters<TinyApp['inject']>[0];
      const res = await expectProblem(twice, 401, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_request"');
    }
  });

  it('an unsigned (alg none) or wrongly signed token → 401', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 's', role: 'auditor' })}.`;
    await expectProblem({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${none}` } }, 401, 'UNAUTHENTICATED');
    const forged = signToken({ sub: 's', role: 'auditor', exp: T + 60 }, 'not-the-secret');
    await expectProblem({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${forged}` } }, 401, 'UNAUTHENTICATED');
  });

  it('checks expiry against the injected clock', async () => {
    const headers = bearer({ exp: T + 60 });
    expect((await app.inject({ method: 'GET', url: '/v1/audit', headers })).statusCode).toBe(200);
    clock.set(new Date((T + 60 + CLOCK_TOLERANCE_SECONDS) * 1000));
    try {
      await expectProblem({ method: 'GET', url: '/v1/audit', headers }, 401, 'UNAUTHENTICATED');
    } finally {
      clock.set(new Date(T * 1000));
    }
  });

  it('a role the route does not allow → 403 FORBIDDEN (the handler overrides the controller)', async () => {
    await expectProblem({ method: 'GET', url: '/v1/audit', headers: bearer({ role: 'applicant', nationalCode: '0084575948' }) }, 403, 'FORBIDDEN');
    await expectProblem({ method: 'GET', url: '/v1/me', headers: bearer({ role: 'ops' }) }, 403, 'FORBIDDEN');
  });

  it('authenticates before validating: a bad body from a stranger is a 401, from a wrong role a 403', async () => {
    const request = { method: 'POST' as const, url: '/v1/payments', payload: { amount: 'lots', extra: 1 } };
    await expectProblem(request, 401, 'UNAUTHENTICATED');
    await expectProblem({ ...request, headers: bearer({ role: 'auditor' }) }, 403, 'FORBIDDEN');
    await expectProblem({ ...request, headers: bearer({ role: 'bank', bankId: 'B1' }) }, 400, 'VALIDATION_FAILED');
  });

  it('@Public() routes need no token', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/terms' });
    expect(res.statusCode).toBe(200);
  });

  it('an unknown route is a 404 even without a token', async () => {
    await expectProblem({ method: 'GET', url: '/v1/secret-place' }, 404, 'NOT_FOUND');
  });
});

@Module({
  controllers: [ProbeController],
  providers: [...authProviders({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://sso.example/idp', AUTH_JWT_AUDIENCE: 'voluntary-insurance' }), { provide: AUTH_CLOCK, useValue: clock }],
})
class NamedAudienceModule {}

describe('auth guard with AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE set', () => {
  let app: TinyApp;
  beforeAll(async () => {
    app = await startTinyApp(NamedAudienceModule);
  });
  afterAll(() => app.close());

  it('takes a token naming both, and answers 401 invalid_token to one that does not', async () => {
    const named = bearer({ iss: 'https://sso.example/idp', aud: 'voluntary-insurance' });
    expect((await app.inject({ method: 'GET', url: '/v1/audit', headers: named })).statusCode).toBe(200);
    const elsewhere = await app.inject({ method: 'GET', url: '/v1/audit', headers: bearer({ iss: 'https://sso.example/idp', aud: 'another-service' }) });
    expect([elsewhere.statusCode, elsewhere.headers['www-authenticate']]).toEqual([401, 'Bearer error="invalid_token"']);
    expect((await app.inject({ method: 'GET', url: '/v1/audit', headers: bearer({}) })).statusCode).toBe(401);
  });
});
