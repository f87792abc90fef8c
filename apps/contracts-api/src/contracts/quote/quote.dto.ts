import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsPositive, Max } from 'class-validator';

/** Upper bound that keeps rial arithmetic far inside safe integers. */
export const MAX_RIAL = 1_000_000_000_000;

export class QuoteRequestDto {
  @ApiProperty({ type: 'integer', description: 'Monthly premium the applicant wants to pay, integer rial', example: 30_000_000 })
  @IsInt()
  @IsPositive()
  @Max(MAX_RIAL)
  requestedMonthlyPremium!: number;

  @ApiPropertyOptional({ description: 'Start on the first day of the next Jalali month instead of the contract date', default: false })
  @IsOptional()
  @IsBoolean()
  startNextMonth?: boolean;
}
