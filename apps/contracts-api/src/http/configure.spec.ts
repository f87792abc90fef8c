import 'reflect-metadata';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { startTinyApp, type TinyApp } from './testing/tiny-app';

@Controller()
class ProbeController {
  @Get('v1/things') things() {
    return { ok: true };
  }
  @Get('v1/public-things')
  @Header('Cache-Control', 'public, max-age=60')
  publicThings() {
    return { ok: true };
  }
  @Get('elsewhere') elsewhere() {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('configureHttp: caching and sniffing headers', () => {
  let app: TinyApp;
  beforeAll(async () => {
    app = await startTinyApp(ProbeModule);
  });
  afterAll(() => app.close());

  const headers = async (url: string, method: 'GET' | 'POST' = 'GET') => {
    const res = await app.inject({ method, url });
    return [res.statusCode, res.headers['cache-control'], res.headers['x-content-type-options']];
  };

  it('no-store on every /v1 answer, problems included, unless the route set its own caching', async () => {
    expect(await headers('/v1/things?page=2')).toEqual([200, 'no-store', 'nosniff']);
    expect(await headers('/v1/nowhere')).toEqual([404, 'no-store', 'nosniff']);
    expect(await headers('/v1/things', 'POST')).toEqual([405, 'no-store', 'nosniff']);
    expect(await headers('/v1/public-things')).toEqual([200, 'public, max-age=60', 'nosniff']);
  });

  it('nosniff on every answer; outside /v1 caching is left to the route', async () => {
    expect(await headers('/elsewhere')).toEqual([200, undefined, 'nosniff']);
    expect(await headers('/nowhere')).toEqual([404, undefined, 'nosniff']);
    expect(await headers('/v1things')).toEqual([404, undefined, 'nosniff']);
  });
});
