import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { signToken, type Actor } from '../../../apps/contracts-api/src/auth';
import { createApp } from '../../../apps/contracts-api/src/create-app';
import { startRuntime, type Runtime } from '../../../apps/contracts-api/src/runtime';
import { loadConfig, ManualClock } from '../../../libs/platform/src';
import { createTestDatabase, type TestDatabase } from '../../support/database';

/** The sample registry's reference date: its boundary people are boundaries on this day. */
export const REFERENCE_INSTANT = '2026-12-01T08:00:00Z';
export const TEST_SECRET = 'e2e-secret-that-is-long-enough-for-hs256-tests';

export interface TestApp {
  app: NestFastifyApplication;
  runtime: Runtime;
  db: TestDatabase;
  /** A fresh folder per app: the SMS file sink writes `sms.ndjson` here. */
  dataDir: string;
  clock: ManualClock;
  http: () => ReturnType<typeof request>;
  token(actor: Partial<Actor> & Pick<Actor, 'role'>): string;
  close(): Promise<void>;
}

/**
 * The real app over a fresh database on the run's embedded PostgreSQL, a manual clock at the
 * registry's reference date, the sample registry, listening on a free loopback port.
 */
export async function startTestApp(env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-data-'));
  const fullEnv = {
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    CLOCK_MODE: 'manual',
    CLOCK_START: REFERENCE_INSTANT,
    AUTH_JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    ...env,
  };
  const runtime = await startRuntime(loadConfig(fullEnv));
  const app = await createApp(runtime, fullEnv);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const server = app.getHttpServer();
  let counter = 0;
  return {
    app,
    runtime,
    db,
    dataDir,
    clock: runtime.clock as ManualClock,
    http: () => request(server),
    token: (actor) => signToken({ sub: actor.sub ?? `${actor.role}-${++counter}`, ...actor, exp: Math.floor(Date.now() / 1000) + 3600 }, TEST_SECRET),
    async close() {
      await app.close();
      await runtime.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Well-known people of the sample registry (libs/registry/sample/README.md). */
export const PEOPLE = {
  walkthrough: '0089216091',
  eligible2: '0937560987',
  eligible3: '0024418374',
  examRequired: '0089493559',
  insufficientHistory: '2604383421',
  ageLimit: '0927896125',
  currentlyInsured: '1284252760',
  notMainInsured: '0079495966',
  selfEmployed: '0925502881',
  minor16: '0083661646',
  guardianship: '0056385900',
} as const;
