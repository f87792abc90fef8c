import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Pool } from 'pg';
import { AppendWatch, EVENT_STORE, type EventStore } from '@app/event-store';
import { READINESS_CHECK_MS, answeredWithin, type AppConfig } from '@app/platform';
import { Public } from '../auth';
import { ApiProblems } from '../http/openapi';
import { ProblemException } from '../http/problem';
import { holdsBackReadiness, readinessDetails, type Projector } from '@app/projections';
import { APP_CONFIG, PG_POOL, PROJECTOR } from '../runtime';

const STATUS: Record<string, SchemaObject> = { status: { type: 'string', enum: ['up', 'down'] }, message: { type: 'string', description: 'Why it is down' } };

/** Each projection's progress, as `ProjectionStatus` has it less its last error's text. */
const PROJECTION: SchemaObject = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    version: { type: 'integer' },
    role: { type: 'string', enum: ['starting', 'owner', 'standby', 'stopped', 'elsewhere', 'superseded'] },
    position: { type: 'string', description: 'Checkpoint (a 64-bit position, as decimal digits)' },
    head: { type: 'string' },
    caughtUp: { type: 'boolean' },
    lagSeconds: { type: 'number' },
    failures: { type: 'integer' },
  },
};

const INDICATORS: SchemaObject = {
  type: 'object',
  properties: {
    readStore: { type: 'object', properties: STATUS },
    eventStore: { type: 'object', properties: { ...STATUS, headPosition: { type: 'string' } } },
    projections: {
      type: 'object',
      description: 'Each projection by name (with PROJECTOR=off, only `runner`: they run in apps/projector)',
      properties: { ...STATUS, runner: { type: 'string' } },
      additionalProperties: PROJECTION,
    },
  },
};

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(PROJECTOR) private readonly projector: Projector | null,
    private readonly appends: AppendWatch,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  // Terminus would document its report as the 503 body; the problem filter answers that 503 like any other.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Ready to serve: read store and event store answer, no append (a command’s, or an inline read side’s deadline) waiting past APPEND_STALL_MS, no projection failing (503 otherwise); each projection’s position and lag' })
  @ApiOkResponse({
    description: "Terminus's report: each indicator (readStore, eventStore, projections) with its details",
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] }, info: INDICATORS, error: INDICATORS, details: INDICATORS } },
  })
  @ApiProblems('SERVICE_UNAVAILABLE')
  async ready() {
    try {
      return await this.checks();
    } catch (error) {
      // Terminus's 503 names the checks that are down: so does the problem, without their
      // messages (a driver's may name hosts and ports; Terminus logs them).
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const failing = Object.keys((error.getResponse() as { error?: Record<string, unknown> }).error ?? {});
      throw new ProblemException('SERVICE_UNAVAILABLE', failing.length > 0 ? { failing } : {}); // none: shutting down
    }
  }

  private checks() {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('readStore');
        try {
          await answeredWithin(this.pool.query('SELECT 1'), READINESS_CHECK_MS);
          return indicator.up();
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      },
      async () => {
        const indicator = this.indicators.check('eventStore');
        // Reads may still answer while no append can finish (a stalled commit, a lock held).
        const waitedMs = this.appends.oldestWaitMs();
        if (waitedMs > this.config.appendStallMs) {
          return indicator.down({ message: `an append has waited ${(waitedMs / 1000).toFixed(1)} s for the event store (APPEND_STALL_MS ${this.config.appendStallMs})` });
        }
        try {
          const head = await answeredWithin(this.eventStore.headPosition(), READINESS_CHECK_MS);
          return indicator.up({ headPosition: head.toString() });
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      },
      async () => {
        const indicator = this.indicators.check('projections');
        if (!this.projector) return indicator.up({ runner: 'apps/projector (PROJECTOR=off here)' });
        try {
          const statuses = await answeredWithin(this.projector.status(), READINESS_CHECK_MS);
          const failing = statuses.filter(holdsBackReadiness);
          const details = readinessDetails(statuses);
          return failing.length ? indicator.down(details) : indicator.up(details);
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      },
    ]);
  }
}
