import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Pool } from 'pg';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { AppendWatch, EventStore } from '@app/event-store';
import { READINESS_CHECK_MS, answeredWithin, hostPort, listenError } from '@app/platform';
import { holdsBackReadiness, readinessDetails, registerAppendWaitMetric, registerProjectionMetrics, type Projector } from '@app/projections';

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The standalone projector's only HTTP: what an orchestrator and Prometheus ask of it, on the
 * same paths as the API. `/health/live`; `/health/ready` (503 while the read store or the event
 * store does not answer, one of its appends has waited past APPEND_STALL_MS, or a projection this
 * process owns keeps failing or was superseded);
 * `/metrics` (projection progress, Node's process metrics). No token: it carries counts and
 * positions only, and the port is meant for the cluster's network.
 */
export async function startHealthServer(options: {
  port: number;
  host: string;
  pool: Pool;
  eventStore: EventStore;
  projector: Projector;
  /** This process's appends, timed (`AppendWatch.watch` on `eventStore`), and how long one may wait. */
  appends: Pick<AppendWatch, 'oldestWaitMs'>;
  appendStallMs: number;
}): Promise<HealthServer> {
  const { pool, eventStore, projector, appends, appendStallMs } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerProjectionMetrics(registry, () => projector.status());
  registerAppendWaitMetric(registry, appends);

  const ready = async () => {
    /** `what` says whether it is up, with its details; throwing means down, with no text: driver messages name hosts and ports, and this port answers anyone. */
    const check = async (what: () => Promise<{ up: boolean; details: unknown }>) => {
      try {
        return await answeredWithin(what(), READINESS_CHECK_MS); // a hung database is not ready
      } catch {
        return { up: false, details: {} };
      }
    };
    // At once, not one after another: a hung database would hold each check for its full time.
    const [database, eventStoreCheck, projections] = await Promise.all([
      check(async () => {
        await pool.query('SELECT 1');
        return { up: true, details: {} };
      }),
      check(async () => {
        // Reads may still answer while no append can finish (a stalled commit, a lock held).
        if (appends.oldestWaitMs() > appendStallMs) return { up: false, details: { appendStalled: true } };
        return { up: true, details: { headPosition: (await eventStore.headPosition()).toString() } };
      }),
      check(async () => {
        const statuses = await projector.status();
        return { up: !statuses.some(holdsBackReadiness), details: readinessDetails(statuses) };
      }),
    ]);
    const checks = { database, eventStore: eventStoreCheck, projections };
    const up = Object.values(checks).every((c) => c.up);
    return { status: up ? 200 : 503, body: { status: up ? 'ok' : 'error', details: checks } };
  };

  const server: Server = createServer((request, response) => {
    const reply = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
      response.end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'text/plain', 'GET only\n', { allow: 'GET, HEAD' });
    if (path === '/health/live') return reply(200, 'application/json', JSON.stringify({ status: 'ok' }));
    if (path === '/health/ready') {
      return void ready().then(({ status, body }) => reply(status, 'application/json', JSON.stringify(body)));
    }
    if (path === '/metrics') {
      return void registry.metrics().then(
        (text) => reply(200, registry.contentType, text),
        () => reply(503, 'text/plain', 'metrics unavailable\n'),
      );
    }
    reply(404, 'text/plain', 'the projector serves /health/live, /health/ready and /metrics\n');
  });
  // Node hands CONNECT to 'connect' listeners, not to the handler above, and with none drops the
  // socket unanswered: the same 405 as any other method.
  server.on('connect', (_request, socket: Duplex) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nGET only\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, options.host, options.port)));
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${hostPort(address, port)}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
