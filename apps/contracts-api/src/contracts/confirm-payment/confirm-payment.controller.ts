import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contractView } from '@app/contracts-domain';
import { deterministicId } from '@app/event-store';
import { CurrentActor, Roles, type Actor } from '../../auth';
import { ChangeContractCommand } from '../change-contract.handler';
import { CommandResponder, etag } from '../command-response';
import type { CommandOutcome } from '@app/contracts-app';
import { ConfirmPaymentDto } from './confirm-payment.dto';

@ApiTags('commands')
@ApiBearerAuth()
@Controller('v1/payments')
export class ConfirmPaymentController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly responder: CommandResponder,
  ) {}

  /**
   * A bank's confirmation is idempotent by its `bankReference` (per bank): the reference is the
   * idempotency key, so a repeat answers 200 with the first result, and the same reference with
   * another body is IDEMPOTENCY_KEY_REUSED.
   */
  @Post()
  @Roles('bank')
  @ApiOperation({ summary: 'Confirm that a bank received 1–12 periods of premium; medical cover starts at once' })
  @ApiCreatedResponse({ description: 'Recorded' })
  @ApiOkResponse({ description: 'The same bankReference again: the first result' })
  async confirm(@CurrentActor() actor: Actor, @Body() body: ConfirmPaymentDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const idempotency = { key: body.bankReference, scope: `bank:${actor.bankId}`, replayStatus: 200 };
    await this.responder.respond(
      request,
      reply,
      actor,
      async () => {
        const context = this.responder.context(request, actor, 'bank', idempotency);
        const paymentId = deterministicId('payment', String(actor.bankId), body.bankReference);
        const command = {
          type: 'ConfirmPayment' as const,
          data: { paymentId, bankReference: body.bankReference, periods: body.periods, amount: body.amount, paidAt: body.paidAt },
        };
        const outcome: CommandOutcome = await this.commandBus.execute(new ChangeContractCommand(body.contractId, command, context));
        // Recorded now or by the first confirmation this repeats: never an answer without it.
        const payment = outcome.state.payments.find((p) => p.paymentId === paymentId);
        if (!payment) throw new Error(`payment ${paymentId} is not in contract ${body.contractId} after its confirmation`);
        return {
          status: 201,
          body: {
            paymentId,
            contractId: body.contractId,
            bankReference: body.bankReference,
            amount: payment.amount,
            periods: payment.periods,
            paidThrough: outcome.state.paidThrough,
            contract: contractView(outcome.state, outcome.revision),
          },
          headers: { ETag: etag(outcome.revision) },
        };
      },
      idempotency,
    );
  }
}
