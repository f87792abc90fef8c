import 'reflect-metadata';
import { Body, Controller, Get, Logger as NestLogger, Module, Param, Post } from '@nestjs/common';
import { IsOptional, IsString } from 'class-validator';
import type { DestinationStream } from 'pino';
import { ConcurrencyError } from '@app/event-store';
import { authProviders, CurrentActor, signToken, type Actor } from '../auth';
import { createLogger, readSideLog, scrubText, scrubUrl, scrubValue } from './logging';
import { startTinyApp, type TinyApp } from './testing/tiny-app';

const SECRET = 'logging-spec-secret';
const NATIONAL_CODE = '0084575948';
const MOBILE = '09123456789';
const FIRST = 'مریم';
const LAST = 'احمدی‌نژاد';
const ADDRESS = 'تهران، خیابان ولیعصر، کوچه نسترن، پلاک ۱۲';

class CorrectionDto {
  @IsString() firstName!: string;
  @IsString() lastName!: string;
  @IsString() mobile!: string;
  @IsString() address!: string;
  @IsOptional() @IsString() note?: string;
}

@Controller('v1')
class ProbeController {
  private readonly logger = new NestLogger('Probe');

  @Post('people/:nationalCode') correct(@Param('nationalCode') code: string, @Body() body: CorrectionDto, @CurrentActor() actor: Actor) {
    // Careless logging, on purpose: the logger must catch it.
    this.logger.log({ body, applicant: { nationalCode: code } }, `correcting ${code} for ${actor.sub}, call ${MOBILE}`);
    return { ok: true };
  }

  @Get('crash') crash() {
    throw new ConcurrencyError(`insured-${NATIONAL_CODE}`, 0, 1);
  }

  @Get('nest-style-error') nestStyleError() {
    // Nest's own (message, stack, context) form.
    this.logger.error(`could not notify ${NATIONAL_CODE}`, `Error: could not notify ${NATIONAL_CODE}\n    at notify (sms.ts:1:1)`);
    return { ok: true };
  }

  @Get('crash-hard') crashHard() {
    throw new Error(`projection failed for ${NATIONAL_CODE} / ${MOBILE}`);
  }
}

const lines: string[] = [];
const capture: DestinationStream = { write: (line: string) => void lines.push(line) };

@Module({
  controllers: [ProbeController],
  providers: authProviders({ AUTH_JWT_SECRET: SECRET }),
})
class ProbeModule {}

describe('request logging', () => {
  let app: TinyApp;
  const token = signToken({ sub: 'officer-9', role: 'branch_officer', branchId: '1201', exp: 4_102_444_800 }, SECRET);

  beforeAll(async () => {
    app = await startTinyApp(ProbeModule, { logger: createLogger({ level: 'info', stream: capture }) });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    lines.length = 0;
  });

  const records = () => lines.map((line) => JSON.parse(line) as Record<string, any>);

  it('logs no national code, name, mobile, address or token, even when the code logs them', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/people/${NATIONAL_CODE}?nationalCode=${NATIONAL_CODE}&mobile=%2B98${MOBILE.slice(1)}&lastName=${encodeURIComponent(LAST)}&fatherName=x-${NATIONAL_CODE.slice(0, 3)}-${NATIONAL_CODE.slice(3)}&page=2`,
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-42', cookie: 'session=abc' },
      payload: { firstName: FIRST, lastName: LAST, mobile: MOBILE, address: ADDRESS, note: `call ${MOBILE}` },
    });
    expect(res.statusCode).toBe(201);
    await app.inject({ method: 'GET', url: '/v1/crash-hard', headers: { authorization: `Bearer ${token}` } });

    const output = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const secret of [NATIONAL_CODE, MOBILE, MOBILE.slice(1), FIRST, LAST, 'ولیعصر', token, token.split('.')[2], 'session=abc']) {
      expect(output).not.toContain(secret);
    }
    // What was logged is still useful: the message, the route shape, the error type.
    expect(output).toContain('correcting [redacted] for officer-9');
    expect(output).toContain('/v1/people/[redacted]?nationalCode=[redacted]&mobile=[redacted]&lastName=[redacted]&fatherName=[redacted]&page=2');
    expect(output).toContain('projection failed for [redacted] / [redacted]');
  });

  it('tags every request line with the request id (honoured and echoed) and the actor', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/people/${NATIONAL_CODE}`,
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-42' },
      payload: { firstName: FIRST, lastName: LAST, mobile: MOBILE, address: ADDRESS },
    });
    expect(res.headers['x-request-id']).toBe('req-42');
    const [appLine, accessLine] = records();
    expect(appLine).toMatchObject({ reqId: 'req-42', context: 'Probe' });
    expect(accessLine).toMatchObject({
      msg: 'request completed',
      req: { id: 'req-42', method: 'POST' },
      res: { statusCode: 201 },
      actor: { sub: 'officer-9', role: 'branch_officer' },
    });
    expect(accessLine.req.headers).toBeUndefined();
  });

  it('makes up a request id when none (or a suspicious one) is sent', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nowhere', headers: { 'x-request-id': 'bad id\n{"level":60}' } });
    expect(res.statusCode).toBe(404);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(records().at(-1)).toMatchObject({ req: { id }, res: { statusCode: 404 } });
  });

  it('logs server errors once, at error level, scrubbed, and the access line at error level too', async () => {
    await app.inject({ method: 'GET', url: '/v1/crash-hard', headers: { authorization: `Bearer ${token}` } });
    const [errorLine, accessLine] = records();
    expect(errorLine).toMatchObject({ level: 50, err: { type: 'Error', message: 'projection failed for [redacted] / [redacted]' } });
    expect(accessLine).toMatchObject({ level: 50, res: { statusCode: 500 } });
    expect(accessLine.err).toBeUndefined();
  });

  it("logs Nest's (message, stack, context) errors as one scrubbed error with its stack", async () => {
    await app.inject({ method: 'GET', url: '/v1/nest-style-error', headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-7' } });
    const [errorLine] = records();
    expect(errorLine).toMatchObject({ level: 50, reqId: 'req-7', context: 'Probe', err: { message: 'could not notify [redacted]' } });
    expect(errorLine.err.stack).toBe('Error: could not notify [redacted]\n    at notify (sms.ts:1:1)');
  });

  it('writes no access line below its level, and still the errors', async () => {
    const quiet: string[] = [];
    const warnApp = await startTinyApp(ProbeModule, { logger: createLogger({ level: 'warn', stream: { write: (line: string) => void quiet.push(line) } }) });
    try {
      await warnApp.inject({ method: 'GET', url: '/v1/crash', headers: { authorization: `Bearer ${token}` } });
      expect(quiet).toEqual([]);
      await warnApp.inject({ method: 'GET', url: '/v1/crash-hard', headers: { authorization: `Bearer ${token}` } });
      expect(quiet.map((line) => (JSON.parse(line) as { level: number }).level)).toEqual([50, 50]);
    } finally {
      await warnApp.close();
    }
  });

  it('redacts a percent-encoded national code in the access line even when another escape is malformed', async () => {
    const encoded = [...NATIONAL_CODE].map((digit) => `%3${digit}`).join('');
    const res = await app.inject({ method: 'GET', url: `/v1/eligibility/${encoded}?x=%ZZ`, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(404);
    const output = lines.join('');
    expect(output).not.toContain(encoded);
    expect(records().at(-1)).toMatchObject({ req: { url: '/v1/eligibility/[redacted]?x=%ZZ' } });
  });

  it('a 409 is an expected answer: logged as an ordinary request, not as an error', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/crash', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(409);
    expect(records()).toEqual([expect.objectContaining({ level: 30, res: { statusCode: 409 } })]);
  });
});

describe('scrubbing', () => {
  it('replaces valid national codes and mobiles in any digits, keeps other numbers', () => {
    expect(scrubText('nc 0084575948, ۰۰۸۴۵۷۵۹۴۸; m 09123456789 +989123456789 00989123456789 9123456789 +9809123456789 009809123456789')).toBe(
      'nc [redacted], [redacted]; m [redacted] [redacted] [redacted] [redacted] [redacted] [redacted]',
    );
    // Not a valid national code (check digit), an amount, a uuid: kept.
    expect(scrubText('0084575949 amount 1934869700 id 3f1c2b7e-1234-4abc-8def-001234567890')).toBe(
      '0084575949 amount 1934869700 id 3f1c2b7e-1234-4abc-8def-001234567890',
    );
  });

  it('decodes each escape in a URL on its own: a bad one elsewhere does not hide a national code', () => {
    // Under a path that is not always personal (the eligibility route's always is: below).
    expect(scrubUrl('/v1/contracts/%30%30%38%39%32%31%36%30%39%31?x=%ZZ')).toBe('/v1/contracts/[redacted]?x=%ZZ');
    // Persian digits, percent-encoded as UTF-8, then a truncated escape, or a truncated UTF-8 sequence.
    const persian = encodeURIComponent('۰۰۸۹۲۱۶۰۹۱');
    expect(persian).toMatch(/^(%DB%B[0-9])+$/);
    expect(scrubUrl(`/v1/contracts/${persian}?page=%D`)).toBe('/v1/contracts/[redacted]?page=%D');
    expect(scrubUrl(`/v1/contracts/${persian}%DB?x=%E2%82`)).toBe('/v1/contracts/[redacted]%DB?x=%E2%82');
    expect(scrubUrl(`/v1/contracts?nationalCode=${persian}%F0%9F&x=%ZZ%41`)).toBe('/v1/contracts?nationalCode=[redacted]&x=%ZZA');
    // What decodes is decoded, what does not is kept as sent.
    expect(scrubUrl('/v1/terms?q=%E2%82%AC%C0%AF%41%E2%82')).toBe('/v1/terms?q=€%C0%AFA%E2%82');
  });

  it("redacts a personal query field after stray question marks, and the eligibility route's national code however it is written", () => {
    expect(scrubUrl('/v1/contracts??lastName=Bagheri&x=1')).toBe('/v1/contracts??lastName=[redacted]&x=1');
    expect(scrubUrl('/v1/terms?a?mobile=0912-345-6789')).toBe('/v1/terms?a?mobile=[redacted]');
    expect(scrubUrl('/v1/contracts?x=1?lastName=Bagheri')).toBe('/v1/contracts?x=1?lastName=[redacted]');
    // A check digit one off is no national code to scrubText, but this segment is always one.
    expect(scrubUrl('/v1/eligibility/0089216092?asOf=2026-12-01')).toBe('/v1/eligibility/[redacted]?asOf=2026-12-01');
    expect(scrubUrl('/v1/eligibility/')).toBe('/v1/eligibility/');
    // Other spellings the router answers 404 are logged too.
    expect(scrubUrl('//V1/Eligibility/0089216092')).toBe('//V1/Eligibility/[redacted]');
  });

  it('replaces personal fields at any depth and leaves the input untouched', () => {
    const input = { event: { data: { firstName: 'علی', NationalCode: 1, items: [{ mobile: 'x' }] } }, status: 'active' };
    expect(scrubValue(input)).toEqual({
      event: { data: { firstName: '[redacted]', NationalCode: '[redacted]', items: [{ mobile: '[redacted]' }] } },
      status: 'active',
    });
    expect(input.event.data.firstName).toBe('علی');
  });
});

describe('readSideLog: the projector\'s entries through the process logger', () => {
  it('keeps each entry\'s level and fields, honours the level, and scrubs', () => {
    const lines: string[] = [];
    const log = readSideLog(createLogger({ level: 'warn', stream: { write: (line: string) => void lines.push(line) } }));
    log({ level: 'info', msg: 'projection lease taken', projection: 'billing' });
    log({ level: 'error', msg: 'projection batch failed', projection: 'billing', failures: 2, error: 'connect ECONNREFUSED for 0499370899' });
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 50, msg: 'projection batch failed', projection: 'billing', failures: 2, error: 'connect ECONNREFUSED for [redacted]' }),
    ]);
  });
});
