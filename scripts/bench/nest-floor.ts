/**
 * The HTTP reference, re-measured in the bench's run: Nest on Fastify with one route that
 * does the floor's single-row INSERT (`floorInserter`) per request, and nothing else (no auth,
 * validation or logging). Run as a child process by the bench (`startNestFloor`), like the service.
 * Env: DATABASE_URL, PORT, HOST, FLOOR_EVENT (the event every request stores, as JSON).
 */
import { Controller, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NewEvent } from '@app/event-store';
import { createPool } from '@app/platform';
import { floorInserter } from './appends';

const INSERT = Symbol('floor insert');

@Controller()
class FloorController {
  constructor(@Inject(INSERT) private readonly insert: () => Promise<void>) {}

  @Post('floor')
  @HttpCode(204)
  async floor(): Promise<void> {
    await this.insert();
  }
}

@Module({})
class FloorModule {}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const pool = createPool(env.DATABASE_URL!, { max: 64, applicationName: 'bench-nest-floor' });
  const insert = await floorInserter(pool, JSON.parse(env.FLOOR_EVENT!) as NewEvent);
  const app = await NestFactory.create<NestFastifyApplication>(
    { module: FloorModule, controllers: [FloorController], providers: [{ provide: INSERT, useValue: insert }] },
    new FastifyAdapter(),
    { logger: false },
  );
  await app.listen(Number(env.PORT), env.HOST ?? '127.0.0.1');
  process.stdout.write('nest floor listening\n');
  process.once('SIGTERM', () => void app.close().then(() => pool.end()));
}

main(process.env).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
