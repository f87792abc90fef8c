import { ApiProperty } from '@nestjs/swagger';
import { TEMPLATES, type NotificationStatus, type Template } from '@app/notifications';
import { valuesOf } from '../http/openapi';

class NotificationResponse {
  @ApiProperty({ format: 'uuid' })
  messageId!: string;

  @ApiProperty({ enum: TEMPLATES })
  template!: Template;

  @ApiProperty({ enum: valuesOf<NotificationStatus>({ pending: true, sent: true, failed: true, cancelled: true }) })
  status!: NotificationStatus;

  @ApiProperty({ type: 'integer' })
  attempts!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "Why the last failed attempt failed (ops: the gateway's status alone); kept once the message is sent, and after `npm run sms -- resend`",
  })
  lastError!: string | null;

  @ApiProperty({ description: 'The mobile number; for ops, masked to its last four digits' })
  to!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The text; null for ops (it carries the amounts)' })
  text!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', description: "When the message is due: a reminder's time, 09:00 Iran time for what a passed deadline says, else its creation; a retry's later attempt does not move it" })
  notBefore!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sentAt!: string | null;
}

export class NotificationsResponse {
  @ApiProperty({ format: 'uuid' })
  contractId!: string;

  @ApiProperty({ description: 'Position of the last event the outbox projection includes' })
  checkpoint!: string;

  @ApiProperty({ type: [NotificationResponse] })
  items!: NotificationResponse[];
}
