import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jalaliOfIso, type ContractCommand, type ContractState } from '@app/contracts-domain';
import { CurrentActor, Roles, type Actor } from '../../auth';
import { assertOwnBranch, assertOwner } from '../access';
import { ChangeContractCommand } from '../change-contract.handler';
import { CommandResponder, etag, type HttpResult } from '../command-response';
import type { CommandOutcome } from '@app/contracts-app';
import { ContractViewResponse } from '../contract-view.response';
import { viewResult } from '../open-contract/open-contract.controller';
import { ExamDeterminationDto, ExamResultDto } from './exam.dto';
import type { PublicErrorCode } from '../../http/error-catalog';
import { ApiIdempotencyKey, ApiIfMatch, ApiProblems, CONTRACT_COMMAND_PROBLEMS, COMMAND_HEADERS } from '../../http/openapi';
import { NoFieldsPipe, ParseIdPipe } from '../../http/validation';

/** One referral per contract, numbered after it, so asking again shows the same form. */
export const referralNumberFor = (contractNumber: string) => `${contractNumber}-1`;

export class ReferralResponse {
  @ApiProperty({ example: '1405000001-1', description: 'The referral form number for the examining centre' })
  referralNumber!: string;

  @ApiProperty({ format: 'uuid' })
  contractId!: string;

  @ApiProperty({ type: String, format: 'date', description: 'Last day to be examined' })
  examDeadline!: string;

  @ApiProperty({ example: '1405/11/10' })
  examDeadlineJalali!: string;
}

/** Every exam step: on a closed contract, an exempt one, or out of order. */
const EXAM_PROBLEMS: PublicErrorCode[] = [...CONTRACT_COMMAND_PROBLEMS, 'CONTRACT_NOT_ACTIVE', 'EXAM_NOT_REQUIRED', 'EXAM_STEP_NOT_ALLOWED'];
const VIEW_RESPONSE = { description: 'The contract view', type: ContractViewResponse, headers: COMMAND_HEADERS };

@ApiTags('commands')
@ApiBearerAuth()
@ApiIdempotencyKey()
@ApiIfMatch()
@Controller('v1/contracts/:id/exam')
export class ExamController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly responder: CommandResponder,
  ) {}

  @Post('referral')
  @HttpCode(201)
  @Roles('applicant')
  @ApiOperation({ summary: 'Issue the referral form to the examining centre (non-exempt contracts)' })
  @ApiCreatedResponse({ description: 'The referral; asked again, the same one', type: ReferralResponse, headers: COMMAND_HEADERS })
  @ApiProblems(...EXAM_PROBLEMS)
  async referral(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: string,
    @Body(NoFieldsPipe) _noFields: undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.run(request, reply, actor, id, 'online', (state) => ({
      type: 'IssueExamReferral',
      data: { referralNumber: referralNumberFor(state!.contractNumber) },
    }), (state) => assertOwner(actor, state), (outcome) => ({
      status: 201,
      body: {
        referralNumber: outcome.state.exam.referralNumber,
        contractId: id,
        examDeadline: outcome.state.exam.deadline,
        examDeadlineJalali: jalaliOfIso(outcome.state.exam.deadline),
      },
      headers: { ETag: etag(outcome.revision) },
    }));
  }

  @Post('result')
  @HttpCode(200)
  @Roles('examiner')
  @ApiOperation({ summary: 'Record the examining centre’s result' })
  @ApiOkResponse(VIEW_RESPONSE)
  @ApiProblems(...EXAM_PROBLEMS)
  async result(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: ExamResultDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.run(request, reply, actor, id, 'examiner', { type: 'RecordExamResult', data: { result: body.result } }, () => undefined, (o) => viewResult(o, 200));
  }

  @Post('determination')
  @HttpCode(200)
  @Roles('branch_officer')
  @ApiOperation({ summary: "The branch's final determination after an overdue or failed exam" })
  @ApiOkResponse(VIEW_RESPONSE)
  @ApiProblems(...EXAM_PROBLEMS)
  async determination(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: ExamDeterminationDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.run(
      request,
      reply,
      actor,
      id,
      'branch',
      { type: 'MakeExamDetermination', data: { outcome: body.outcome, note: body.note } },
      (state) => assertOwnBranch(actor, state),
      (o) => viewResult(o, 200),
    );
  }

  private run(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    id: string,
    channel: string,
    command: ContractCommand | ((state: ContractState | undefined) => ContractCommand),
    authorize: (state: ContractState) => void,
    answer: (outcome: CommandOutcome) => HttpResult,
  ): Promise<void> {
    return this.responder.respond(request, reply, actor, async () => {
      const context = this.responder.context(request, actor, channel);
      return answer(await this.commandBus.execute(new ChangeContractCommand(id, command, context, authorize)));
    });
  }
}
