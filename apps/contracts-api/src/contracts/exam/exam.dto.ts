import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class ExamResultDto {
  @ApiProperty({ enum: ['passed', 'failed'] })
  @IsIn(['passed', 'failed'])
  result!: 'passed' | 'failed';
}

export class ExamDeterminationDto {
  @ApiProperty({ enum: ['cleared', 'rejected'], description: 'cleared: payments unblocked; rejected: contract terminated' })
  @IsIn(['cleared', 'rejected'])
  outcome!: 'cleared' | 'rejected';

  @ApiPropertyOptional({ description: "The branch's reasoning, kept in the history" })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}
