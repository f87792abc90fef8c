import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsPositive, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PAID_AT_CLOCK_SKEW_MS } from '@app/contracts-domain';
import { IsId, IsInstant } from '../../http/validation';
import { withFa } from '../../http/validation-messages-fa';
import { MAX_RIAL } from '../quote/quote.dto';

export class ConfirmPaymentDto {
  @ApiProperty({ format: 'uuid' })
  @IsId()
  contractId!: string;

  @ApiProperty({ type: 'integer', description: 'How many consecutive unpaid periods (Jalali months) this payment covers', minimum: 1, maximum: 12 })
  @IsInt()
  @Min(1)
  @Max(12)
  periods!: number;

  @ApiProperty({ type: 'integer', description: 'Integer rial; must equal the monthly premium × periods exactly' })
  @IsInt()
  @IsPositive()
  @Max(MAX_RIAL)
  amount!: number;

  @ApiProperty({ description: "The bank's own reference; a repeated reference answers 200 with the first result" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Matches(/^[\x21-\x7e]+$/, withFa('bankReference must be visible ASCII characters', '«bankReference» باید فقط نویسه‌های ASCII دیدنی داشته باشد'))
  bankReference!: string;

  @ApiProperty({
    description:
      `When the bank received the money (ISO-8601 instant): not more than ${PAID_AT_CLOCK_SKEW_MS / 60_000} minutes after the service's current time, ` +
      'nor before 00:00 Iran time of the contract date (otherwise 422 PAID_AT_IMPLAUSIBLE)',
    example: '2026-12-05T09:30:00Z',
  })
  @IsInstant()
  paidAt!: string;
}
