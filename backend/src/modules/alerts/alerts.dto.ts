import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsZonedDateTime } from '../../http/zoned-date-time';
import { DOMAINS } from '@driftwatch/reconciliation-rules';

export class CreateSilenceDto {
  // The rule file schema's id form: a rule whose id has an underscore can be silenced too.
  @ApiPropertyOptional({ description: 'Reconciliation rule id to silence; a rule of the loaded rule pack.' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_.-]{0,99}$/)
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
