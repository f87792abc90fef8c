import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsIranMobile, IsNationalCode } from '../../http/validation';
import { withFa } from '../../http/validation-messages-fa';
import { MAX_RIAL, QuoteRequestDto } from '../quote/quote.dto';

export class AcceptTermsDto {
  @ApiProperty({ description: 'Version of the regulation the applicant read and accepts (GET /v1/terms)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  version!: string;
}

/** What the applicant saw on the quote and confirms; it must still hold when the contract is concluded. */
export class ConfirmDto {
  @ApiProperty({ example: 0.27 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  premiumRate!: number;

  @ApiProperty({ type: 'integer', description: 'Wage basis in integer rial' })
  @IsInt()
  @IsPositive()
  @Max(MAX_RIAL)
  wageBasis!: number;

  @ApiProperty({ example: '2026-12-01' })
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, withFa('startDate must be a date (YYYY-MM-DD)', '«startDate» باید تاریخی به شکل YYYY-MM-DD باشد'))
  startDate!: string;
}

export class CorrectionsDto {
  @ApiPropertyOptional({ description: 'Mobile as 09xxxxxxxxx (+98 and 0098 forms are accepted and normalised)' })
  @IsOptional()
  @IsIranMobile()
  mobile?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  address?: string;
}

export class OpenContractDto extends QuoteRequestDto {
  @ApiPropertyOptional({ type: AcceptTermsDto, description: 'Missing or another version: TERMS_NOT_ACCEPTED' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AcceptTermsDto)
  acceptTerms?: AcceptTermsDto;

  @ApiProperty({ type: ConfirmDto })
  // ValidateNested alone lets a missing object (or an array of them) through.
  @IsObject()
  @ValidateNested()
  @Type(() => ConfirmDto)
  confirm!: ConfirmDto;

  @ApiPropertyOptional({ description: 'Required (true) when the quote said the exam is required' })
  @IsOptional()
  @IsBoolean()
  examUndertaking?: boolean;

  @ApiPropertyOptional({ type: CorrectionsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CorrectionsDto)
  corrections?: CorrectionsDto;
}

export const DOCUMENT_KINDS = ['growth_certificate', 'guardianship_letter', 'identity'] as const;

export class DocumentDto {
  @ApiProperty({ enum: DOCUMENT_KINDS })
  @IsIn(DOCUMENT_KINDS)
  kind!: (typeof DOCUMENT_KINDS)[number];

  @ApiProperty({ description: 'Reference of the verified document (court certificate number, …)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  reference!: string;
}

export class BranchOpenContractDto extends OpenContractDto {
  @ApiProperty({ description: 'National code of the applicant at the counter' })
  @IsNationalCode()
  nationalCode!: string;

  @ApiProperty({ type: [DocumentDto] })
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => DocumentDto)
  documents!: DocumentDto[];
}
