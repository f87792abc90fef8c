import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { FASTIFY_OPTIONS, configureHttp } from './http/configure';
import type { Runtime } from './runtime';

/** Largest request body accepted; anything bigger is a 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the HTTP app (not yet listening) over a runtime; main.ts and the e2e tests share it. */
export async function createApp(runtime: Runtime, env: NodeJS.ProcessEnv = process.env): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ ...FASTIFY_OPTIONS, bodyLimit: BODY_LIMIT_BYTES });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRuntime(runtime, env), adapter, {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  configureHttp(app);

  const openApi = new DocumentBuilder()
    .setTitle('Voluntary insurance contracts (بیمه اختیاری)')
    .setDescription('Conclude and manage SSO voluntary insurance contracts online. Errors are RFC 9457 problem+json with a stable `code`.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi), { jsonDocumentUrl: 'docs-json' });
  await app.init();
  return app;
}
