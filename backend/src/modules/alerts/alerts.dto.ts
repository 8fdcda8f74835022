import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsZonedDateTime } from '../../http/zoned-date-time';
import { DOMAINS } from '@driftwatch/reconciliation-rules';

export class CreateSilenceDto {
  @ApiPropertyOptional({ description: 'Reconciliation rule id to silence' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9.-]{0,127}$/)
  ruleId?: string;

  // A domain outside the rule set's would silence nothing while looking like it does.
  @ApiPropertyOptional({ description: 'Domain to silence', enum: DOMAINS })
  @IsOptional()
  @IsIn(DOMAINS)
  domain?: string;

  @ApiProperty()
  @IsString()
  @Length(3, 500)
  reason!: string;

  @ApiProperty({ description: 'When the silence expires (ISO 8601)' })
  @IsZonedDateTime()
  endsAt!: string;
}
