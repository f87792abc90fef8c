import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, isDomainError, jalaliOfIso, repeatsPayment } from '@app/contracts-domain';
import { deterministicId } from '@app/event-store';
import { CurrentActor, Roles, type Actor } from '../../auth';
import { ChangeContractCommand } from '../change-contract.handler';
import { ApiIdempotencyKey, ApiIfMatch, ApiProblems, CONTRACT_COMMAND_PROBLEMS, COMMAND_HEADERS, RIAL } from '../../http/openapi';
import { CommandResponder, etag, type HttpResult } from '../command-response';
import { bankReferenceScope } from '../idempotency-scope';
import { ProblemException } from '../../http/problem';
import type { CommandOutcome } from '@app/contracts-app';
import { ConfirmPaymentDto } from './confirm-payment.dto';

/**
 * What a bank is told: API.md's `{ paymentId, periods }` and what it reconciles its books with.
 * Never the contract view: a bank is tied to no contract, and the view carries the person's
 * national code and medical exam result and determination.
 */
export class PaymentResponse {
  @ApiProperty({ format: 'uuid', description: 'Derived from the bank and its reference: the same for a repeat' })
  paymentId!: string;

  @ApiProperty({ format: 'uuid' })
  contractId!: string;

  @ApiProperty()
  bankReference!: string;

  @ApiProperty(RIAL)
  amount!: number;

  @ApiProperty({ type: [String], example: ['1405-09'], description: 'The Jalali months (YYYY-MM) this payment paid' })
  periods!: string[];

  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'The last day of the last month paid by all payments so far (cover: GET /v1/eligibility, coveredThrough)' })
  paidThrough!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '1405/09/30' })
  paidThroughJalali!: string | null;
}

const PAYMENT_RESPONSE = { type: PaymentResponse, headers: COMMAND_HEADERS };

@ApiTags('commands')
@ApiBearerAuth()
@ApiIdempotencyKey(
  'Optional here: the bankReference is the payment\'s own key (per bank). A key sent is held to its first payment too: the same key with another payment is 409 IDEMPOTENCY_KEY_REUSED',
)
@ApiIfMatch()
@Controller('v1/payments')
export class ConfirmPaymentController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly responder: CommandResponder,
  ) {}

  /**
   * A bank's confirmation is idempotent by its `bankReference` (per bank): the reference is the
   * idempotency key, so a repeat answers 200 with the first result, and the same reference with
   * another payment is IDEMPOTENCY_KEY_REUSED. An `Idempotency-Key` sent as well is kept like any
   * command's (scoped to the caller): a bank retrying under one key with a new reference per
   * attempt is refused the second payment rather than booked twice.
   */
  @Post()
  @Roles('bank')
  @ApiOperation({ summary: 'Confirm that a bank received 1–12 periods of premium; medical cover starts at once' })
  @ApiCreatedResponse({ description: 'Recorded', ...PAYMENT_RESPONSE })
  @ApiOkResponse({ description: 'The same bankReference again: the first result', ...PAYMENT_RESPONSE })
  @ApiProblems(
    ...CONTRACT_COMMAND_PROBLEMS,
    'BANK_REFERENCE_REUSED',
    'PAYMENT_DEADLINE_PASSED',
    'PAYMENTS_BLOCKED',
    'AMOUNT_MISMATCH',
    'PAID_AT_IMPLAUSIBLE',
    'CONTRACT_NOT_ACTIVE',
  )
  async confirm(@CurrentActor() actor: Actor, @Body() body: ConfirmPaymentDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    // The payment as the bank means it: the same instant however written (IsId lowercased the id).
    const identity = { ...body, paidAt: new Date(body.paidAt).toISOString() };
    // Held after a 5xx too (keyNamesCommand): the reference names the payment, but its events name
    // the contract as well, so a 5xx whose append was made, then the reference sent for another
    // contract, would pay that one too. The same payment takes the reference over at once.
    const idempotency = { key: body.bankReference, scope: bankReferenceScope(String(actor.bankId)), replayStatus: 200, identity, keyNamesCommand: false };
    const record = async (): Promise<HttpResult> => {
      const context = this.responder.context(request, actor, 'bank', idempotency);
      const paymentId = deterministicId('payment', String(actor.bankId), body.bankReference);
      const command = {
        type: 'ConfirmPayment' as const,
        data: { paymentId, bankReference: body.bankReference, periods: body.periods, amount: body.amount, paidAt: body.paidAt },
      };
      const outcome: CommandOutcome = await this.commandBus
        .execute<ChangeContractCommand, CommandOutcome>(new ChangeContractCommand(body.contractId, command, context))
        .catch((error: unknown) => Promise.reject(withoutMedicalDetails(error)));
      // Recorded now or by the first confirmation this repeats: never an answer without it.
      const payment = outcome.state.payments.find((p) => p.paymentId === paymentId);
      if (!payment) throw new Error(`payment ${paymentId} is not in contract ${body.contractId} after its confirmation`);
      // Nothing appended: the payment was recorded before, and its kept answer is gone (never
      // stored, or purged before migration 005 kept them). The command id matched, so the domain did not
      // compare the request with it: do it here, as it would.
      const repeated = outcome.appended.length === 0;
      if (repeated && !repeatsPayment(payment, body)) {
        throw new ProblemException('BANK_REFERENCE_REUSED', { paymentId });
      }
      return {
        status: repeated ? 200 : 201,
        body: {
          paymentId,
          contractId: body.contractId,
          bankReference: body.bankReference,
          amount: payment.amount,
          periods: payment.periods,
          paidThrough: outcome.state.paidThrough,
          paidThroughJalali: jalaliOfIso(outcome.state.paidThrough),
        },
        headers: { ETag: etag(outcome.revision) },
      };
    };
    const byReference = () => this.responder.answer(request, actor, record, idempotency);
    // The command is named by the reference, not by this key: a 5xx holds the key (keyNamesCommand).
    await this.responder.respond(request, reply, actor, byReference, { replayStatus: 200, identity, keyNamesCommand: false });
  }
}

/**
 * A bank learns that a payment is refused and which period it may not pay yet, never why in
 * medical terms: whether the exam is pending, overdue or was rejected (the only way a contract is
 * terminated) is the person's health data, and API.md gives banks payments and slips only.
 */
function withoutMedicalDetails(error: unknown): unknown {
  if (!isDomainError(error)) return error;
  if (error.code === 'PAYMENTS_BLOCKED') {
    const { period } = error.details;
    return new DomainError('PAYMENTS_BLOCKED', 'payments refused for now', period === undefined ? {} : { period });
  }
  if (error.code === 'CONTRACT_NOT_ACTIVE') return new DomainError('CONTRACT_NOT_ACTIVE', error.message);
  return error;
}
