import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { toPersianDigits } from '@app/contracts-domain';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { auditRow, chainIsCut, readAuditHead, walkChain, type AuditHead } from '@app/projections';
import { Roles } from '../auth';
import { AUTH_PROBLEMS, ApiProblems, CHECKPOINT_HEADER } from '../http/openapi';
import { invalidField, ProblemException } from '../http/problem';
import { fromReadModel } from '../projections/read-model-response';
import { PG_POOL } from '../runtime';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

export class AuditHeadResponse {
  @ApiProperty({ description: 'Latest chained position (decimal string)' })
  position!: string;

  @ApiProperty({ description: 'Its hash (hex sha256)' })
  hash!: string;

  @ApiProperty({ description: "The event store's head: the chain may trail it for a moment" })
  eventStoreHead!: string;
}

/**
 * The tamper-evident export for auditors: every event in global order with its hash-chain link
 * (`hash = sha256(prevHash ‖ canonical JSON of the line without prevHash and hash)`), and the
 * head to copy somewhere independent. Only events the chain has reached are listed.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Roles('auditor')
@Controller('v1/audit')
export class AuditController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Get('events')
  @Header('Content-Type', 'application/x-ndjson; charset=utf-8')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({
    summary: 'Global history as NDJSON, one event per line with position, prevHash and hash',
    description:
      'Continue from the last line’s position (also in `X-Last-Position`). A line whose event is gone from the store says `"missing": "event"`. ' +
      'Each line is the hashed event (`id, streamId, revision, position, type, version, data, metadata, recordedAt`; `position` a decimal string) with `prevHash` and `hash`, ' +
      'where hash = sha256_hex(prevHash ‖ canonical JSON of the line without prevHash and hash: object keys sorted at every depth, no whitespace). ' +
      'The line itself is plain JSON, its keys not sorted: sort them to recompute the hash.',
  })
  @ApiQuery({ name: 'fromPosition', required: false, schema: { type: 'string', pattern: '^\\d{1,19}$', default: '0' }, description: 'A position (64-bit, as a decimal string); exclusive: 0 (default) starts at the first event' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }, description: 'Lines' })
  @ApiOkResponse({
    schema: { type: 'string', description: 'One JSON object per line' },
    headers: {
      'X-Last-Position': { description: 'Position of the last line: continue from it', schema: { type: 'string' } },
      'X-Checkpoint': CHECKPOINT_HEADER,
    },
  })
  @ApiProblems('VALIDATION_FAILED', ...AUTH_PROBLEMS, 'SERVICE_UNAVAILABLE', 'AUDIT_CHAIN_BROKEN')
  async events(@Res({ passthrough: true }) reply: FastifyReply, @Query('fromPosition') fromPosition = '0', @Query('limit') limit = String(DEFAULT_LIMIT)) {
    if (!/^\d{1,19}$/.test(fromPosition)) throw invalidField('fromPosition', 'fromPosition must be a non-negative integer', '«fromPosition» باید عدد صحیح نامنفی باشد');
    const count = /^\d{1,5}$/.test(limit) ? Number(limit) : NaN;
    if (!(count >= 1 && count <= MAX_LIMIT)) {
      throw invalidField('limit', `limit must be an integer from 1 to ${MAX_LIMIT}`, `«limit» باید عدد صحیحی از ۱ تا ${toPersianDigits(MAX_LIMIT)} باشد`);
    }
    wholeChain(await fromReadModel(reply, () => readAuditHead(this.pool))); // 503 before the chain exists; sets X-Checkpoint
    const lines: string[] = [];
    let last = fromPosition;
    for await (const step of walkChain(this.pool, this.eventStore, BigInt(fromPosition), Math.min(count, DEFAULT_LIMIT))) {
      lines.push(JSON.stringify(auditRow(step)));
      last = step.position.toString();
      if (lines.length === count) break;
    }
    reply.header('X-Last-Position', last);
    return lines.map((line) => `${line}\n`).join('');
  }

  @Get('head')
  @ApiOperation({ summary: 'The latest chained position and its hash: copy it somewhere independent, then `npm run audit -- verify` can be checked against it' })
  @ApiOkResponse({ type: AuditHeadResponse, headers: { 'X-Checkpoint': CHECKPOINT_HEADER } })
  @ApiProblems(...AUTH_PROBLEMS, 'SERVICE_UNAVAILABLE', 'AUDIT_CHAIN_BROKEN')
  async head(@Res({ passthrough: true }) reply: FastifyReply): Promise<AuditHeadResponse> {
    const [head, storeHead] = await Promise.all([fromReadModel(reply, () => readAuditHead(this.pool)), this.eventStore.headPosition()]);
    wholeChain(head);
    return { position: head.position.toString(), hash: head.hash, eventStoreHead: storeHead.toString() };
  }
}

/** An auditor must not copy the head of a cut chain, nor take its export for whole. */
function wholeChain(head: AuditHead): void {
  if (chainIsCut(head)) {
    throw new ProblemException('AUDIT_CHAIN_BROKEN', { position: head.position.toString(), checkpoint: head.checkpoint.toString() });
  }
}
