import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { configureHttp, FASTIFY_OPTIONS } from '../configure';
import { useLogging } from '../logging';

export interface TinyApp {
  app: NestFastifyApplication;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A Fastify-backed Nest app with the shared HTTP conventions, driven in-process (no port). */
export async function startTinyApp(module: Type, options: { logger?: Logger; answerDeadlineMs?: number } = {}): Promise<TinyApp> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(FASTIFY_OPTIONS), {
    logger: options.logger ? undefined : false,
    bufferLogs: Boolean(options.logger),
    bodyParser: false,
  });
  if (options.logger) useLogging(app, options.logger);
  configureHttp(app, options.answerDeadlineMs === undefined ? {} : { answerDeadlineMs: options.answerDeadlineMs });
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  return { app, inject: (request) => fastify.inject(request), close: () => app.close() };
}
