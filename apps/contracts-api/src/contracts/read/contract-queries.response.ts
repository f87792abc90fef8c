import { ApiProperty } from '@nestjs/swagger';
import { ContractViewResponse } from '../contract-view.response';

export class ContractListResponse {
  @ApiProperty({ type: [ContractViewResponse], description: 'Newest first' })
  items!: ContractViewResponse[];
}

class EventActorResponse {
  @ApiProperty({ required: false, description: "The acting user's id; absent for an applicant reading an action by staff, a bank or the system (named by role only)" })
  sub?: string;

  @ApiProperty()
  role!: string;
}

/** EventMetadata (libs/event-store): who, through which channel, and in answer to what. */
class EventMetadataResponse {
  @ApiProperty({ format: 'uuid' })
  eventId!: string;

  @ApiProperty({ required: false })
  commandId?: string;

  @ApiProperty({ description: 'The request id (X-Request-Id) of the command' })
  correlationId!: string;

  @ApiProperty({
    required: false,
    description:
      "What caused it: a request's command (its commandId), or for a deadline's event the event that set the deadline (an eventId; the deadline's own id when none can be named). Absent on events recorded before causation was kept",
  })
  causationId?: string;

  @ApiProperty({ type: EventActorResponse })
  actor!: EventActorResponse;

  @ApiProperty()
  channel!: string;

  @ApiProperty({ required: false, description: "The officer's branch, on a branch officer's command" })
  branchId?: string;

  @ApiProperty({ required: false, description: "The confirming bank, on a bank's command (not on events recorded before it was kept)" })
  bankId?: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt!: string;

  @ApiProperty({ type: 'integer', required: false })
  schemaVersion?: number;
}

class HistoryItemResponse {
  @ApiProperty({ type: 'integer', description: '0-based stream revision' })
  revision!: number;

  @ApiProperty({ description: 'Global position (a decimal string: it may pass 2^53)' })
  position!: string;

  @ApiProperty({ example: 'ContractOpened' })
  type!: string;

  @ApiProperty({ type: 'integer' })
  version!: number;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "The event's data, by type" })
  data!: Record<string, unknown>;

  @ApiProperty({ type: EventMetadataResponse })
  metadata!: EventMetadataResponse;

  @ApiProperty({ format: 'date-time' })
  recordedAt!: string;
}

export class HistoryResponse {
  @ApiProperty({ format: 'uuid' })
  contractId!: string;

  @ApiProperty({ type: [HistoryItemResponse], description: 'In revision order' })
  items!: HistoryItemResponse[];
}
