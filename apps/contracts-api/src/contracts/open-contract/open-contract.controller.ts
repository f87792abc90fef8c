import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contractView } from '@app/contracts-domain';
import { CurrentActor, Roles, type Actor } from '../../auth';
import type { PublicErrorCode } from '../../http/error-catalog';
import { ApiIdempotencyKey, ApiProblems, COMMAND_PROBLEMS, COMMAND_HEADERS } from '../../http/openapi';
import { Applicants } from '../applicants';
import { CommandResponder, etag, type HttpResult } from '../command-response';
import { ContractViewResponse } from '../contract-view.response';
import type { CommandOutcome } from '@app/contracts-app';
import { BranchOpenContractDto, OpenContractDto } from './open-contract.dto';
import { OpenContractCommand } from './open-contract.handler';

export function viewResult(outcome: CommandOutcome, status: number): HttpResult {
  return { status, body: contractView(outcome.state, outcome.revision), headers: { ETag: etag(outcome.revision) } };
}

/** A concluded contract: its view, and where to read it again (RFC 9110 Location). */
function created(outcome: CommandOutcome): HttpResult {
  const result = viewResult(outcome, 201);
  return { ...result, headers: { ...result.headers, Location: `/v1/contracts/${outcome.state.id}` } };
}

const CREATED_HEADERS = { ...COMMAND_HEADERS, Location: { description: 'The new contract, e.g. /v1/contracts/{id}', schema: { type: 'string' } } };

/** Either way: the person is not in the registry (404), already insured with us (409), or the rules refuse (422). */
const OPEN_PROBLEMS: PublicErrorCode[] = [
  ...COMMAND_PROBLEMS,
  'NOT_FOUND',
  'ACTIVE_CONTRACT_EXISTS',
  'NOT_ELIGIBLE',
  'REGISTRY_DATA_INVALID',
  'TERMS_NOT_ACCEPTED',
  'EXAM_UNDERTAKING_REQUIRED',
  'WAGE_OUT_OF_RANGE',
  'QUOTE_MISMATCH',
];

@ApiTags('commands')
@ApiBearerAuth()
@ApiIdempotencyKey()
@Controller('v1')
export class OpenContractController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly applicants: Applicants,
    private readonly responder: CommandResponder,
  ) {}

  @Post('contracts')
  @Roles('applicant')
  @ApiOperation({ summary: 'Conclude a contract online for the calling applicant' })
  @ApiCreatedResponse({ description: 'The contract view', type: ContractViewResponse, headers: CREATED_HEADERS })
  @ApiProblems(...OPEN_PROBLEMS, 'BRANCH_VISIT_REQUIRED')
  async openOnline(@CurrentActor() actor: Actor, @Body() body: OpenContractDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.responder.respond(request, reply, actor, async () => {
      const facts = await this.applicants.facts(actor.nationalCode);
      const context = this.responder.context(request, actor, 'online');
      return created(await this.commandBus.execute(new OpenContractCommand(facts, body, context)));
    });
  }

  @Post('branch/contracts')
  @Roles('branch_officer')
  @ApiOperation({ summary: 'Conclude a contract at a branch after verifying documents (minors, guardianship)' })
  @ApiCreatedResponse({ description: 'The contract view', type: ContractViewResponse, headers: CREATED_HEADERS })
  @ApiProblems(...OPEN_PROBLEMS, 'DOCUMENTS_REQUIRED')
  async openAtBranch(@CurrentActor() actor: Actor, @Body() body: BranchOpenContractDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.responder.respond(request, reply, actor, async () => {
      const facts = await this.applicants.facts(body.nationalCode);
      const context = this.responder.context(request, actor, 'branch');
      return created(await this.commandBus.execute(new OpenContractCommand(facts, body, context, actor.branchId)));
    });
  }
}
