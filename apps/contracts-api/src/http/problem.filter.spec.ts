import 'reflect-metadata';
import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, ValidateNested } from 'class-validator';
import { DomainError } from '@app/contracts-domain';
import { ConcurrencyError, StoreUnavailableError } from '@app/event-store';
import { ERROR_CATALOG } from './error-catalog';
import { DatabaseError } from 'pg';
import { problemFor, ProblemException } from './problem';
import { problemOf } from './problem.filter';
import { startTinyApp, type TinyApp } from './testing/tiny-app';
import { IsIranMobile, IsNationalCode } from './validation';

class ConfirmDto {
  @IsInt() premiumRate!: number;
}

class ThingDto {
  @IsString() title!: string;
  @IsNationalCode() nationalCode!: string;
  @IsOptional() @IsIranMobile() mobile?: string;
  @IsOptional() @ValidateNested() @Type(() => ConfirmDto) confirm?: ConfirmDto;
  @IsOptional() @IsInt() @Max(1_000) count?: number;
}

@Controller()
class ProbeController {
  @Post('things') create(@Body() body: ThingDto) {
    return { isDto: body instanceof ThingDto, body };
  }
  @Get('things/:id') one(@Param('id') id: string) {
    return { id };
  }
  @Get('refuse/not-eligible') notEligible() {
    throw new DomainError('NOT_ELIGIBLE', 'not eligible', { reasons: ['AGE_LIMIT', 'CURRENTLY_INSURED'] });
  }
  @Get('refuse/wage') wage() {
    throw new DomainError('WAGE_OUT_OF_RANGE', 'out of range', { minPremium: 19_348_697, maxPremium: 135_440_879 });
  }
  @Get('refuse/invalid-command') invalidCommand() {
    throw new DomainError('INVALID_COMMAND', 'periods must be 1–12', { field: 'periods', messageFa: 'تعداد ماه‌ها باید از ۱ تا ۱۲ باشد' });
  }
  @Get('refuse/invalid-registry-data') invalidRegistryData() {
    throw new DomainError('REGISTRY_DATA_INVALID', 'invalid applicant data: birthDate, lastContributionDate', { fields: ['birthDate', 'lastContributionDate'] });
  }
  @Get('refuse/missing') missing() {
    throw new DomainError('CONTRACT_NOT_FOUND', 'no stream');
  }
  @Get('refuse/unavailable') unavailable() {
    throw new StoreUnavailableError(new Error('Leader info available'));
  }
  @Get('refuse/concurrency') concurrency() {
    throw new ConcurrencyError('insured-0084575948', 3, 4);
  }
  @Get('refuse/stale') stale() {
    throw new ProblemException('PRECONDITION_FAILED', { currentRevision: 4 });
  }
  @Get('refuse/spoof') spoof() {
    // Occurrence details must never overwrite the fields every problem has.
    throw new DomainError('EXAM_NOT_REQUIRED', 'exempt', { status: 200, code: 'OK', title: 'fine' });
  }
  @Get('boom') boom() {
    throw new Error('connection to 10.0.0.7:5432 refused; password=hunter2');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const VALID = { title: 'x', nationalCode: '0084575948' };

describe('problem+json filter and validation pipe', () => {
  let app: TinyApp;
  beforeAll(async () => {
    app = await startTinyApp(ProbeModule);
  });
  afterAll(() => app.close());

  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/things', payload, headers: { 'content-type': contentType } });

  function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status, code, type: `https://sso.example/problems/${code.toLowerCase()}` });
    expect(typeof body.title).toBe('string');
    expect(body.detail).toEqual(expect.any(String));
    expect(body.detailFa).toMatch(/[\u0600-\u06FF]/);
    return body;
  }

  it('accepts a valid body as a DTO instance, normalising Persian digits and +98 mobiles', async () => {
    const res = await post(JSON.stringify({ ...VALID, nationalCode: '۰۰۸۴۵۷۵۹۴۸', mobile: '+98 912 345 6789' }));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ isDto: true, body: { title: 'x', nationalCode: '0084575948', mobile: '09123456789' } });
  });

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    expectProblem(await post('{"title": '), 400, 'MALFORMED_JSON');
  });

  it('an empty body sent as JSON is no body: the fields the route needs are missing (400 VALIDATION_FAILED), not malformed JSON', async () => {
    const body = expectProblem(await post(''), 400, 'VALIDATION_FAILED');
    expect(body.errors.map((error: { field: string }) => error.field)).toEqual(expect.arrayContaining(['title', 'nationalCode']));
  });

  it('a prototype-poisoning body is refused as malformed', async () => {
    expectProblem(await post('{"__proto__": {"admin": true}, "title": "x"}'), 400, 'MALFORMED_JSON');
  });

  it('an unknown field → 400 VALIDATION_FAILED naming it', async () => {
    const body = expectProblem(await post(JSON.stringify({ ...VALID, extra: 1 })), 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([{ field: 'extra', message: 'property extra should not exist', messageFa: 'فیلد «extra» شناخته‌شده نیست و نباید فرستاده شود' }]);
  });

  it('lists every field problem with a dotted path, without echoing values', async () => {
    const res = await post(JSON.stringify({ title: 5, nationalCode: '0084575949', mobile: '0812', confirm: { premiumRate: 0.27 } }));
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['confirm.premiumRate', 'mobile', 'nationalCode', 'title']);
    expect(res.body).not.toContain('0084575949');
  });

  it('says of each field its most basic problem: required when left out, its type before its range', async () => {
    const body = expectProblem(await post(JSON.stringify({ nationalCode: VALID.nationalCode, count: '30' })), 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([
      { field: 'title', message: 'title is required', messageFa: '«title» الزامی است' },
      { field: 'count', message: 'count must be an integer number', messageFa: '«count» باید عدد صحیح باشد' }, // not "must not be greater than 1000" as well
    ]);
    const tooMany = expectProblem(await post(JSON.stringify({ ...VALID, count: 1_001 })), 400, 'VALIDATION_FAILED');
    expect(tooMany.errors).toEqual([{ field: 'count', message: 'count must not be greater than 1000', messageFa: '«count» نباید بیشتر از ۱٬۰۰۰ باشد' }]);
  });

  it.each([['[]'], ['null'], ['"text"'], ['42']])('a body that is not an object (%s) → 400 VALIDATION_FAILED', async (payload) => {
    expectProblem(await post(payload), 400, 'VALIDATION_FAILED');
  });

  it.each([['application/x-www-form-urlencoded'], ['text/plain'], ['application/xml']])(
    'a body that is not JSON (%s) → 415 UNSUPPORTED_MEDIA_TYPE',
    async (contentType) => {
      expectProblem(await post('title=x', contentType), 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it.each([
    ['Content-Encoding', 'gzip', 'content_encoding'],
    ['Content-Type', 'application/json; charset=utf-16', 'charset'],
    ['Content-Type', 'application/json; charset="ISO-8859-1"', 'charset'],
  ])('a body it cannot read as sent (%s: %s) → 415 UNSUPPORTED_MEDIA_TYPE, reason %s', async (name, value, reason) => {
    const headers = { 'content-type': 'application/json', [name.toLowerCase()]: value };
    const res = await app.inject({ method: 'POST', url: '/things', payload: JSON.stringify(VALID), headers });
    expect(expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE').reason).toBe(reason);
  });

  it.each([['application/json; charset=utf-8'], ['application/json; charset=UTF8'], ['application/json; charset=us-ascii'], ['application/json']])('reads JSON as %s', async (contentType) => {
    const headers = { 'content-type': contentType, 'content-encoding': 'identity' };
    expect((await app.inject({ method: 'POST', url: '/things', payload: JSON.stringify(VALID), headers })).statusCode).toBe(201);
  });

  it('a deeply nested body (small, valid JSON) → 400 VALIDATION_FAILED, not a stack overflow', async () => {
    const depth = 5_000;
    expectProblem(await post('['.repeat(depth) + ']'.repeat(depth)), 400, 'VALIDATION_FAILED');
    expectProblem(await post(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`), 400, 'VALIDATION_FAILED');
  });

  it.each([
    ['a NUL', '"x\\u0000y"'],
    ['a lone high surrogate', '"x\\ud800"'],
    ['a lone low surrogate', '"\\udc00x"'],
  ])('%s in any text → 400 VALIDATION_FAILED naming the field, never sent to PostgreSQL', async (_what, text) => {
    const body = expectProblem(await post(`{"title":${text},"nationalCode":"0084575948"}`), 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([{ field: 'title', message: expect.stringContaining('NUL'), messageFa: expect.stringContaining('NUL') }]);
  });

  it.each([
    ['a byte no UTF-8 text has', [0xff]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a surrogate encoded (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a sequence cut short', [0xe2, 0x82]],
  ])('%s in the body → 400 MALFORMED_JSON, not text with U+FFFD kept for good', async (_what, bytes) => {
    const payload = Buffer.concat([Buffer.from('{"title":"ab'), Buffer.from(bytes), Buffer.from('cd","nationalCode":"0084575948"}')]);
    expectProblem(await app.inject({ method: 'POST', url: '/things', payload, headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
  });

  it('reads UTF-8 as such: Persian text and characters beyond the BMP arrive intact', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: Buffer.from(JSON.stringify({ ...VALID, title: 'خیابان ۱۲ 😀' })), headers: { 'content-type': 'application/json' } });
    expect([res.statusCode, res.json().body.title]).toEqual([201, 'خیابان ۱۲ 😀']);
  });

  it('a body over the limit → 413 PAYLOAD_TOO_LARGE', async () => {
    expectProblem(await post(JSON.stringify({ ...VALID, title: 'x'.repeat(1_100_000) })), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a malformed URL → 400, an over-long path segment → 414, as problems', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/things/%E0%A4%A' }), 400, 'BAD_REQUEST');
    expectProblem(await app.inject({ method: 'GET', url: `/things/${'a'.repeat(200)}` }), 414, 'URI_TOO_LONG');
  });

  it('every code has a stable type and a Persian detail', () => {
    for (const code of Object.keys(ERROR_CATALOG) as (keyof typeof ERROR_CATALOG)[]) {
      const problem = problemFor(code, { reasons: [], minPremium: 1, maxPremium: 2 });
      expect(problem.status).toBeGreaterThanOrEqual(400);
      expect(problem.type).toBe(`https://sso.example/problems/${code.toLowerCase()}`);
      expect(problem.detailFa).toMatch(/[\u0600-\u06FF]/);
    }
  });

  it('an unknown route → 404 NOT_FOUND; a known path with another method → 405 naming the allowed ones', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/v1/nowhere' }), 404, 'NOT_FOUND');
    expectProblem(await app.inject({ method: 'DELETE', url: '/nowhere' }), 404, 'NOT_FOUND');
    const wrongMethod = await app.inject({ method: 'DELETE', url: '/things' });
    expectProblem(wrongMethod, 405, 'METHOD_NOT_ALLOWED');
    expect(wrongMethod.headers.allow).toBe('POST');
    expect((await app.inject({ method: 'PUT', url: '/things/a.b' })).headers.allow).toBe('GET, HEAD');
    // The router has no route with a trailing slash: a 405 would name the very method refused.
    expectProblem(await app.inject({ method: 'GET', url: '/things/a.b/' }), 404, 'NOT_FOUND');
    expectProblem(await app.inject({ method: 'POST', url: '/things/' }), 404, 'NOT_FOUND');
  });

  it('NOT_ELIGIBLE → 422 with reasons, explained in both languages', async () => {
    const body = expectProblem(await app.inject({ method: 'GET', url: '/refuse/not-eligible' }), 422, 'NOT_ELIGIBLE');
    expect(body.reasons).toEqual(['AGE_LIMIT', 'CURRENTLY_INSURED']);
    expect(body.detail).toContain('compulsory insurance');
    expect(body.detailFa).toContain('بیمه اجباری');
  });

  it('WAGE_OUT_OF_RANGE → 422 with the allowed premium range', async () => {
    const body = expectProblem(await app.inject({ method: 'GET', url: '/refuse/wage' }), 422, 'WAGE_OUT_OF_RANGE');
    expect(body).toMatchObject({ minPremium: 19_348_697, maxPremium: 135_440_879 });
    expect(body.detail).toContain('19,348,697');
    expect(body.detailFa).toContain('۱۹٬۳۴۸٬۶۹۷');
  });

  it("the domain's INVALID_COMMAND is a 400 VALIDATION_FAILED for clients", async () => {
    const body = expectProblem(await app.inject({ method: 'GET', url: '/refuse/invalid-command' }), 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([{ field: 'periods', message: 'periods must be 1–12', messageFa: 'تعداد ماه‌ها باید از ۱ تا ۱۲ باشد' }]);
  });

  it('unusable registry data is a 422 REGISTRY_DATA_INVALID naming the record\'s fields, not a field of the request', async () => {
    const registry = expectProblem(await app.inject({ method: 'GET', url: '/refuse/invalid-registry-data' }), 422, 'REGISTRY_DATA_INVALID');
    expect(registry).toMatchObject({ fields: ['birthDate', 'lastContributionDate'] });
    expect(registry.errors).toBeUndefined();
    expect(registry.detail).toContain('birthDate, lastContributionDate');
    expect(registry.detailFa).toContain('شعبه');
  });

  it("the domain's CONTRACT_NOT_FOUND is a 404 NOT_FOUND", async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/refuse/missing' }), 404, 'NOT_FOUND');
  });

  it('a ConcurrencyError → 409 CONCURRENCY_CONFLICT without the stream id', async () => {
    const res = await app.inject({ method: 'GET', url: '/refuse/concurrency' });
    expectProblem(res, 409, 'CONCURRENCY_CONFLICT');
    expect(res.body).not.toContain('0084575948');
  });

  it('answers that a retry may cure (409 CONCURRENCY_CONFLICT, 503) say when: Retry-After, and no other does', async () => {
    const conflict = await app.inject({ method: 'GET', url: '/refuse/concurrency' });
    const unavailable = await app.inject({ method: 'GET', url: '/refuse/unavailable' });
    expectProblem(unavailable, 503, 'SERVICE_UNAVAILABLE');
    expect([conflict.headers['retry-after'], unavailable.headers['retry-after']]).toEqual(['1', '1']);
    expect((await app.inject({ method: 'GET', url: '/refuse/stale' })).headers['retry-after']).toBeUndefined();
  });

  it('HTTP-layer refusals keep their details', async () => {
    const body = expectProblem(await app.inject({ method: 'GET', url: '/refuse/stale' }), 412, 'PRECONDITION_FAILED');
    expect(body.currentRevision).toBe(4);
  });

  it('details cannot overwrite the standard fields', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/refuse/spoof' }), 422, 'EXAM_NOT_REQUIRED');
  });

  it('a database that is down, going away or out of disk → 503 SERVICE_UNAVAILABLE, not 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const shutdown = Object.assign(new DatabaseError('terminating connection due to administrator command', 0, 'error'), { code: '57P01' });
    const starting = Object.assign(new DatabaseError('the database system is starting up', 0, 'error'), { code: '57P03' });
    const diskFull = Object.assign(new DatabaseError('could not extend file: No space left on device', 0, 'error'), { code: '53100' });
    const lost = new Error('Connection terminated unexpectedly');
    const hung = new Error('timeout exceeded when trying to connect'); // pg-pool's, for a server that never answers
    const wrapped = new Error('append failed', { cause: refused });
    for (const error of [refused, shutdown, starting, diskFull, lost, hung, wrapped, new AggregateError([refused])]) {
      expect(problemOf(error)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    }
    const uniqueViolation = Object.assign(new DatabaseError('duplicate key', 0, 'error'), { code: '23505' });
    expect(problemOf(uniqueViolation)).toMatchObject({ status: 500, code: 'INTERNAL' });
  });

  it('an event store that cannot serve now (e.g. a KurrentDB leader election) → 503 SERVICE_UNAVAILABLE, also when wrapped', () => {
    const election = new StoreUnavailableError(new Error('Leader info available'));
    for (const error of [election, new Error('open failed', { cause: election })]) {
      expect(problemOf(error)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    }
  });

  it("a body the client stopped sending (fastify's 400 on the aborted stream) is the client's, not a server fault", () => {
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
    expect(problemOf(aborted)).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });

  it('an unexpected error → 500 INTERNAL that leaks nothing', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expectProblem(res, 500, 'INTERNAL');
    expect(res.body).not.toMatch(/hunter2|10\.0\.0\.7|connection/);
  });
});
