import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class ExamResultDto {
  @ApiProperty({ enum: ['passed', 'failed'] })
  @IsIn(['passed', 'failed'])
  result!: 'passed' | 'failed';
}

export class ExamDeterminationDto {
  @ApiProperty({ enum: ['cleared', 'rejected'], description: 'cleared: payments unblocked; rejected: contract terminated' })
  @IsIn(['cleared', 'rejected'])
  outcome!: 'cleared' | 'rejected';

  @ApiProperty({ description: "The branch's reasoning, kept in the history", maxLength: 1000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  note!: string;
}
