import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiMetrics } from './metrics';

/** Routes that change state (API.md "Commands"); the test clock is not one. */
function commandOf(request: FastifyRequest): string | undefined {
  const route = request.routeOptions.url;
  if ((request.method !== 'POST' && request.method !== 'PUT') || !route?.startsWith('/v1/') || route.startsWith('/v1/_test/')) return undefined;
  return `${request.method} ${route}`;
}

/**
 * Times every request in Fastify's own hooks, so 401s, 404s and framework errors that never reach
 * a Nest interceptor are measured too. The route label is the pattern (`/v1/contracts/:id/wage`),
 * never the raw URL, to keep label sets bounded.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly refusals = new WeakMap<FastifyRequest, string>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: ApiMetrics,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode >= 400 && commandOf(request)) this.refusals.set(request, problemCode(reply, payload));
      return payload;
    });
    fastify.addHook('onResponse', async (request, reply) => this.record(request, reply));
  }

  private record(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url ?? 'unmatched';
    this.metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    const command = commandOf(request);
    if (command) this.metrics.commands.inc({ command, outcome: reply.statusCode < 400 ? 'accepted' : (this.refusals.get(request) ?? `http_${reply.statusCode}`) });
  }
}

/** The stable `code` of a problem+json answer; the status when there is none. */
function problemCode(reply: FastifyReply, payload: unknown): string {
  const fallback = `http_${reply.statusCode}`;
  if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json')) return fallback;
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : fallback;
  } catch {
    return fallback;
  }
}
