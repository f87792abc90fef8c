import { Body, Controller, Get, Logger, Module, Post, Res } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import type { FastifyReply } from 'fastify';
import { NoAnswerDeadline } from './answer-deadline';
import { startTinyApp, type TinyApp } from './testing/tiny-app';

let finishLate: () => void = () => undefined;
let failLate: (error: Error) => void = () => undefined;
let handled = 0;

@Controller()
class SlowController {
  @Get('never') never() {
    return new Promise(() => undefined); // a database that stopped answering
  }
  @Get('late') async late(@Res() reply: FastifyReply) {
    await new Promise<void>((resolve) => (finishLate = resolve));
    void reply.status(200).send({ late: true }); // as a command answers: after the deadline's 503
  }
  @Get('fails-late') failsLate() {
    return new Promise((_, reject) => (failLate = reject));
  }
  @Get('unbounded') @NoAnswerDeadline() async unbounded() {
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the 100 ms deadline
    return { done: true };
  }
  @Post('never') neverWithBody(@Body() body: unknown) {
    void body;
    return new Promise(() => undefined); // a command whose database stopped answering
  }
  @Post('echo') echo(@Body() body: unknown) {
    return { body };
  }
  @Get('quick') quick() {
    handled += 1;
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

  it('answers a command with a body 503 too, over a real connection, once its body is in and the deadline passes', async () => {
    const fastify = app.app.getHttpAdapter().getInstance();
    if (!fastify.server.listening) await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/never`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"requestedMonthlyPremium":1}' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'no_answer_in_time' });
  });

  it('keeps the 503 when the handler answers after it', async () => {
    const res = await app.inject({ method: 'GET', url: '/late' });
    expect(res.statusCode).toBe(503);
    finishLate();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await app.inject({ method: 'GET', url: '/quick' })).statusCode).toBe(200); // the app is unharmed
  });

  it('logs what the handling ends in after its 503: no one else hears it', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      expect((await app.inject({ method: 'GET', url: '/fails-late' })).statusCode).toBe(503);
      failLate(new Error('the database came back with an error'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(logged).toHaveBeenCalledWith(expect.objectContaining({ err: expect.objectContaining({ message: 'the database came back with an error' }) }), 'request failed');
    } finally {
      logged.mockRestore();
    }
  });

  it('runs each handler once: the deadline watches the handling, it does not start it again', async () => {
    const before = handled;
    await app.inject({ method: 'GET', url: '/quick' });
    expect(handled).toBe(before + 1);
  });

  it('leaves a route marked to answer when its work is done without a deadline', async () => {
    expect((await app.inject({ method: 'GET', url: '/unbounded' })).json()).toEqual({ done: true });
  });

  it('counts from when the body is in: a client slow to send it is not told the server hung', async () => {
    const fastify = app.app.getHttpAdapter().getInstance();
    if (!fastify.server.listening) await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address() as { port: number };
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/echo', headers: { 'content-type': 'application/json', 'content-length': '11' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      request.on('error', reject);
      request.write('{"a":');
      setTimeout(() => request.end('12345}'), 300); // three deadlines later
    });
    expect(status).toBe(201);
  });
});
