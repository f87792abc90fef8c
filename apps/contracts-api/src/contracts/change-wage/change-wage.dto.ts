import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsPositive, Max } from 'class-validator';
import { MAX_RIAL } from '../quote/quote.dto';

export class WageDto {
  @ApiProperty({ type: 'integer', description: 'New monthly premium, integer rial; the wage basis is derived from it', example: 35_000_000 })
  @IsInt()
  @IsPositive()
  @Max(MAX_RIAL)
  requestedMonthlyPremium!: number;
}
