import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { FASTIFY_OPTIONS, configureHttp } from './http/configure';
import { useLogging } from './http/logging';
import { PROBLEM_SCHEMA, withHttpLayerProblems, withValidationRules } from './http/openapi';
import type { Runtime } from './runtime';

/**
 * Largest request body accepted; anything bigger is a 413 before it is parsed. The largest
 * legitimate body, a branch open with 10 documents of 100-character references, is under 2 KB.
 */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** Builds the HTTP app (not yet listening) over a runtime; main.ts and the e2e tests share it. */
export async function createApp(runtime: Runtime, env: NodeJS.ProcessEnv = process.env): Promise<NestFastifyApplication> {
  const timeoutMs = runtime.config.requestTimeoutMs;
  const adapter = new FastifyAdapter({
    ...FASTIFY_OPTIONS,
    bodyLimit: BODY_LIMIT_BYTES,
    // A whole request (headers and body) must arrive within this, or it is answered 408 and the
    // connection closed (fastify's default, 0, would hold a stalled upload for ever). Node takes
    // the smaller of this and its headers timeout (60 s) as the limit for the whole request, so
    // both are set; and it checks every 30 s by default, every second here to keep the deadline.
    requestTimeout: timeoutMs,
    http: { headersTimeout: timeoutMs, connectionsCheckingInterval: Math.min(timeoutMs, 1_000) },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRuntime(runtime, env), adapter, {
    bodyParser: false,
    bufferLogs: true,
  });
  useLogging(app, runtime.logger);
  configureHttp(app);

  const openApi = new DocumentBuilder()
    .setTitle('Voluntary insurance contracts (بیمه اختیاری)')
    .setDescription(
      'Conclude and manage SSO voluntary insurance contracts online. Errors are RFC 9457 problem+json with a stable `code`. ' +
        'Each operation names the roles it allows in `x-roles` (none: any signed-in role; no security: no token). ' +
        'Any request may also be answered 405 `METHOD_NOT_ALLOWED` (with `Allow`), 408 `REQUEST_TIMEOUT` (not received whole in time), ' +
        '431 `HEADERS_TOO_LARGE` or 500 `INTERNAL`; every answer carries `X-Request-Id` (the caller\'s own when it sent a well-formed one).',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'HS256 with `sub`, `role`, the claim the role needs (`nationalCode`, `branchId` or `bankId`) and `exp` (a token without one is refused).',
    })
    .build();
  openApi.components = { ...openApi.components, schemas: { Problem: PROBLEM_SCHEMA } };
  SwaggerModule.setup('docs', app, () => withHttpLayerProblems(withValidationRules(withContractIds(SwaggerModule.createDocument(app, openApi)))), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { showExtensions: true },
  });
  await app.init();
  return app;
}

/** Every `{id}` of a path is a contract's UUID (`ParseIdPipe`); the generator knows only that it is a string. */
function withContractIds(document: OpenAPIObject): OpenAPIObject {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as { parameters?: { in: string; name: string; schema?: object }[] }[]) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'path' && parameter.name === 'id') parameter.schema = { type: 'string', format: 'uuid' };
      }
    }
  }
  return document;
}
