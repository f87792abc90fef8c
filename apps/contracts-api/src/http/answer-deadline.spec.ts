import { Controller, Get, Module, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { startTinyApp, type TinyApp } from './testing/tiny-app';

let finishLate: () => void = () => undefined;

@Controller()
class SlowController {
  @Get('never') never() {
    return new Promise(() => undefined); // a database that stopped answering
  }
  @Get('late') async late(@Res() reply: FastifyReply) {
    await new Promise<void>((resolve) => (finishLate = resolve));
    void reply.status(200).send({ late: true }); // as a command answers: after the deadline's 503
  }
  @Get('quick') quick() {
    return { quick: true };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

describe('a request whose handling gets no answer in time', () => {
  let app: TinyApp;
  beforeAll(async () => {
    app = await startTinyApp(SlowModule, { answerDeadlineMs: 100 });
  });
  afterAll(() => app.close());

  it('is answered 503 SERVICE_UNAVAILABLE, to be retried, once the deadline passes', async () => {
    const res = await app.inject({ method: 'GET', url: '/never' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'no_answer_in_time' });
    expect((await app.inject({ method: 'GET', url: '/quick' })).json()).toEqual({ quick: true });
  });

  it('keeps the 503 when the handler answers after it', async () => {
    const res = await app.inject({ method: 'GET', url: '/late' });
    expect(res.statusCode).toBe(503);
    finishLate();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await app.inject({ method: 'GET', url: '/quick' })).statusCode).toBe(200); // the app is unharmed
  });
});
