import { Controller, Get, Header, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MAX_JALALI_YEAR, MIN_JALALI_YEAR, contractView, isIsoInstant, toPersianDigits, type ContractState } from '@app/contracts-domain';
import type { RecordedEvent } from '@app/event-store';
import { CurrentActor, Roles, type Actor } from '../../auth';
import { AUTH_PROBLEMS, ApiProblems, ETAG_HEADER, NATIONAL_CODE_PARAMETER } from '../../http/openapi';
import { invalidField, ProblemException } from '../../http/problem';
import { assertCanRead, canRead } from '../access';
import { etag } from '../command-response';
import { ContractViewResponse } from '../contract-view.response';
import { ContractStreams } from '@app/contracts-app';
import { Reservations } from '../reservations';
import { CONTRACT_DOCUMENT_CSP, renderContractDocument } from './contract-document';
import { ContractListResponse, HistoryResponse } from './contract-queries.response';
import { ParseIdPipe, ParseNationalCodePipe } from '../../http/validation';

/**
 * One event of a contract's history. An applicant reading their own sees who acted by role only
 * when it was not them: a staff member's or a bank's user id is theirs to know, not the applicant's.
 */
function historyItem(event: RecordedEvent, reader: Actor) {
  const { actor } = event.metadata;
  const metadata = reader.role === 'applicant' && actor.role !== 'applicant' ? { ...event.metadata, actor: { role: actor.role } } : event.metadata;
  return {
    revision: event.revision,
    position: event.position.toString(),
    type: event.type,
    version: event.version,
    data: event.data,
    metadata,
    recordedAt: event.recordedAt.toISOString(),
  };
}

/** A contract by id: a malformed id is a 400; unknown and not-yours alike a 404. */
const ONE_CONTRACT_PROBLEMS = ApiProblems('VALIDATION_FAILED', ...AUTH_PROBLEMS, 'NOT_FOUND', 'SERVICE_UNAVAILABLE');

/** Queries answered from the event stream itself: always current, never behind a projection. */
@ApiTags('queries')
@ApiBearerAuth()
@Controller('v1/contracts')
export class ContractQueriesController {
  constructor(
    private readonly streams: ContractStreams,
    private readonly reservations: Reservations,
  ) {}

  @Get()
  @Roles('auditor', 'applicant', 'branch_officer')
  @ApiOperation({ summary: "A person's contracts, newest first (applicants: their own; officers: their branch's)" })
  @ApiQuery({ name: 'nationalCode', ...NATIONAL_CODE_PARAMETER })
  @ApiOkResponse({ type: ContractListResponse })
  @ApiProblems('VALIDATION_FAILED', ...AUTH_PROBLEMS, 'SERVICE_UNAVAILABLE')
  async list(@CurrentActor() actor: Actor, @Query('nationalCode', ParseNationalCodePipe) nationalCode: string) {
    if (actor.role === 'applicant' && actor.nationalCode !== nationalCode) throw new ProblemException('FORBIDDEN');
    const { reservations } = await this.reservations.read(nationalCode);
    const items = [];
    for (const { contractId } of [...reservations].reverse()) {
      const { state, revision } = await this.streams.load(contractId);
      if (state && canRead(actor, state)) items.push(contractView(state, revision));
    }
    return { items };
  }

  @Get(':id')
  @Roles('auditor', 'applicant', 'branch_officer')
  @ApiOperation({ summary: 'The contract view, folded from its stream; ETag is its revision' })
  @ApiOkResponse({ type: ContractViewResponse, headers: { ETag: ETAG_HEADER } })
  @ONE_CONTRACT_PROBLEMS
  async view(@CurrentActor() actor: Actor, @Param('id', ParseIdPipe) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, revision } = await this.readable(actor, id);
    reply.header('ETag', etag(revision));
    return contractView(state, revision);
  }

  @Get(':id/events')
  @Roles('auditor', 'applicant')
  @ApiOperation({ summary: 'The ordered history with metadata (actor, role, channel, correlation/causation) and positions' })
  @ApiOkResponse({ type: HistoryResponse })
  @ONE_CONTRACT_PROBLEMS
  async events(@CurrentActor() actor: Actor, @Param('id', ParseIdPipe) id: string) {
    const { state, events } = await this.streams.history(id);
    assertCanRead(actor, state);
    return { contractId: id, items: events.map((event) => historyItem(event, actor)) };
  }

  @Get(':id/state')
  @Roles('auditor')
  @ApiOperation({ summary: 'The contract view as it was at an instant (asOf) or after a revision' })
  @ApiQuery({ name: 'asOf', required: false, schema: { type: 'string', format: 'date-time' }, description: 'ISO-8601 instant with its offset (Z or ±hh:mm): the contract as its stream stood then, up to its first event stamped later' })
  @ApiQuery({ name: 'revision', required: false, schema: { type: 'integer', minimum: 0 }, description: '0-based revision' })
  @ApiOkResponse({ type: ContractViewResponse })
  // A revision the contract has not reached is a 404 with latestRevision.
  @ONE_CONTRACT_PROBLEMS
  async state(@Param('id', ParseIdPipe) id: string, @Query('asOf') asOf?: string, @Query('revision') revision?: string) {
    if ((asOf === undefined) === (revision === undefined)) {
      throw invalidField('asOf', 'give exactly one of asOf or revision', 'دقیقاً یکی از «asOf» یا «revision» را بدهید');
    }
    let options;
    if (asOf !== undefined) {
      // With its offset (no server-local reading) and on a day that exists (Date would roll 02-30 over).
      if (!isIsoInstant(asOf)) {
        throw invalidField(
          'asOf',
          `asOf must be an ISO-8601 instant with its offset (Z or ±hh:mm), on a day that exists, in the Jalali years ${MIN_JALALI_YEAR}–${MAX_JALALI_YEAR}`,
          `«asOf» باید زمانی به شکل ISO-8601 با منطقه زمانی (Z یا ±hh:mm)، در روزی موجود، در سال‌های ${toPersianDigits(MIN_JALALI_YEAR)} تا ${toPersianDigits(MAX_JALALI_YEAR)} خورشیدی باشد`,
        );
      }
      options = { asOf: new Date(asOf) };
    } else {
      if (!/^\d+$/.test(revision!)) throw invalidField('revision', 'revision must be a non-negative integer', '«revision» باید عدد صحیح نامنفی باشد');
      options = { toRevision: Number(revision) }; // however large: compared with the latest below, never sent to the store
    }
    const { revision: latestRevision } = await this.streams.loadExisting(id);
    // A revision the contract has not reached yet is not "the latest view": the auditor asked for something that does not exist.
    if (options.toRevision !== undefined && options.toRevision > latestRevision) throw new ProblemException('NOT_FOUND', { latestRevision });
    const then = await this.streams.load(id, options);
    if (!then.state) throw new ProblemException('NOT_FOUND');
    return contractView(then.state, then.revision);
  }

  @Get(':id/document')
  @Roles('auditor', 'applicant', 'branch_officer')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CONTRACT_DOCUMENT_CSP)
  @ApiOperation({ summary: 'The printable contract: Persian RTL HTML with print CSS' })
  @ApiProduces('text/html')
  @ApiOkResponse({ schema: { type: 'string' } })
  @ONE_CONTRACT_PROBLEMS
  async document(@CurrentActor() actor: Actor, @Param('id', ParseIdPipe) id: string) {
    const { state, revision } = await this.readable(actor, id);
    return renderContractDocument(state, revision);
  }

  private async readable(actor: Actor, id: string): Promise<{ state: ContractState; revision: number }> {
    const loaded = await this.streams.loadExisting(id);
    assertCanRead(actor, loaded.state);
    return loaded;
  }
}

