import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { maskMobile, readNotifications, withoutGatewayBody, type Notification } from '@app/notifications';
import { CurrentActor, Roles, type Actor } from '../auth';
import { AUTH_PROBLEMS, ApiProblems, CHECKPOINT_HEADER } from '../http/openapi';
import { invalidField } from '../http/problem';
import { uuidFa } from '../http/validation-messages-fa';
import { fromReadModel } from '../projections/read-model-response';
import { PG_POOL } from '../runtime';
import { NotificationsResponse } from './notifications.response';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Auditors read everything; ops see delivery, not personal data: the number masked to its last
 * four digits and no text (it carries the contract's amounts).
 */
function item(notification: Notification, actor: Actor) {
  const full = actor.role === 'auditor';
  return {
    messageId: notification.messageId,
    template: notification.template,
    status: notification.status,
    attempts: notification.attempts,
    // A gateway's error body may echo the text: ops see its status alone, as they see no text.
    lastError: full || notification.lastError === null ? notification.lastError : withoutGatewayBody(notification.lastError),
    to: full ? notification.recipient : maskMobile(notification.recipient),
    text: full ? notification.text : null,
    createdAt: notification.createdAt.toISOString(),
    notBefore: notification.notBefore.toISOString(),
    sentAt: notification.sentAt?.toISOString() ?? null,
  };
}

/** The SMS outbox of one contract with delivery status, from the notifications projection. */
@ApiTags('queries')
@ApiBearerAuth()
@Controller('v1/notifications')
export class NotificationsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @Roles('ops', 'auditor')
  @ApiOperation({
    summary: "A contract's SMS messages: template, status (pending, sent, failed; cancelled for a reminder whose reason vanished, or a message queued more than SMS_MAX_AGE_HOURS late), attempts, last error",
  })
  @ApiQuery({ name: 'contractId', required: true, schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: NotificationsResponse, headers: { 'X-Checkpoint': CHECKPOINT_HEADER } })
  @ApiProblems('VALIDATION_FAILED', ...AUTH_PROBLEMS, 'SERVICE_UNAVAILABLE')
  async list(
    @CurrentActor() actor: Actor,
    @Query('contractId') contractId: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NotificationsResponse> {
    if (!contractId || !UUID.test(contractId)) {
      throw invalidField('contractId', 'contractId must be a UUID', uuidFa('contractId'));
    }
    const answer = await fromReadModel(reply, () => readNotifications(this.pool, contractId.toLowerCase()));
    return { contractId: answer.contractId, checkpoint: answer.checkpoint.toString(), items: answer.items.map((n) => item(n, actor)) };
  }
}
