import { Body, Controller, Param, Put, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles, type Actor } from '../../auth';
import { assertOwner } from '../access';
import { ChangeContractCommand } from '../change-contract.handler';
import { CommandResponder } from '../command-response';
import { ContractViewResponse } from '../contract-view.response';
import { viewResult } from '../open-contract/open-contract.controller';
import { WageDto } from './change-wage.dto';
import { ApiIdempotencyKey, ApiIfMatch, ApiProblems, CONTRACT_COMMAND_PROBLEMS, COMMAND_HEADERS } from '../../http/openapi';
import { ParseIdPipe } from '../../http/validation';

@ApiTags('commands')
@ApiBearerAuth()
@ApiIdempotencyKey()
@ApiIfMatch()
@Controller('v1/contracts/:id/wage')
export class ChangeWageController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly responder: CommandResponder,
  ) {}

  @Put()
  @Roles('applicant')
  @ApiOperation({ summary: 'Change the monthly premium (and so the wage basis) before the first payment' })
  @ApiOkResponse({ description: 'The contract view', type: ContractViewResponse, headers: COMMAND_HEADERS })
  @ApiProblems(...CONTRACT_COMMAND_PROBLEMS, 'WAGE_CHANGE_NOT_ALLOWED', 'WAGE_OUT_OF_RANGE', 'CONTRACT_NOT_ACTIVE')
  async changeWage(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: WageDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    await this.responder.respond(request, reply, actor, async () => {
      const context = this.responder.context(request, actor, 'online');
      const command = { type: 'ChangeWage' as const, data: { requestedMonthlyPremium: body.requestedMonthlyPremium } };
      const outcome = await this.commandBus.execute(new ChangeContractCommand(id, command, context, (state) => assertOwner(actor, state)));
      return viewResult(outcome, 200);
    });
  }
}
