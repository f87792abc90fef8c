import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { StartedKurrentDbContainer } from '@testcontainers/kurrentdb';
import { eventStoreContract } from '../contract-suite';
import { KurrentDbEventStore } from './kurrentdb-event-store';

/** KurrentDB 26.0 is the current LTS line (25.x are short-term releases). Override with KURRENTDB_IMAGE. */
const IMAGE = process.env.KURRENTDB_IMAGE ?? 'docker.kurrent.io/kurrent-lts/kurrentdb:26.0';

/**
 * Where a Docker engine could answer: DOCKER_HOST, or a socket where Docker, rootless Docker,
 * Docker Desktop or Podman put theirs. Decided before the tests are collected, so a machine without
 * an engine shows the suite as skipped with the reason; where a socket exists but the engine does
 * not answer, the suite fails instead of hiding it.
 */
function dockerMayAnswer(): boolean {
  if (process.env.DOCKER_HOST) return true;
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker/run/docker.sock'),
    ...(runtimeDir ? [join(runtimeDir, 'docker.sock'), join(runtimeDir, 'podman/podman.sock')] : []),
  ];
  return sockets.some((socket) => existsSync(socket));
}

if (!dockerMayAnswer()) {
  const reason = 'no Docker engine (DOCKER_HOST unset, no Docker/Podman socket found); it runs wherever Docker answers';
  console.warn(`SKIPPED: EventStore contract suite against KurrentDB (${IMAGE}): ${reason}`);
  describe.skip(`EventStore contract: KurrentDB — SKIPPED: ${reason}`, () => {
    it(`runs the shared contract suite against ${IMAGE} through testcontainers`, () => undefined);
  });
} else {
  // The suite's load test (10,240 events by 16 writers, a subscriber reading along) takes ~22 s on
  // PostgreSQL here; this adapter reads the stream before each append, over gRPC: room for that.
  jest.setTimeout(300_000);
  let container: StartedKurrentDbContainer;
  beforeAll(async () => {
    // Loaded here: testcontainers takes seconds to import, for nothing on a machine without Docker.
    const { KurrentDbContainer } = await import('@testcontainers/kurrentdb');
    // As docker-compose.yml runs it: the module's default starts the server's system projections,
    // which would write several events of their own for each of ours on the same cores.
    container = await new KurrentDbContainer(IMAGE)
      .withEnvironment({ KURRENTDB_RUN_PROJECTIONS: 'None', KURRENTDB_START_STANDARD_PROJECTIONS: 'false' })
      .start();
  }, 180_000);
  afterAll(async () => {
    await container?.stop();
  });

  // One server for the file; each test gets its own namespace, so it starts from an empty store.
  eventStoreContract(`KurrentDB (${IMAGE})`, async ({ upcasters }) => ({
    store: KurrentDbEventStore.connect(container.getConnectionString(), {
      upcasters,
      streamPrefixes: ['contract-', 'insured-', 'stress-'],
      namespace: `t${randomUUID().replace(/-/g, '').slice(0, 12)}.`,
    }),
    cleanup: async () => undefined,
  }));
}
