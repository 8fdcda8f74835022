import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateSilenceDto {
  @ApiPropertyOptional({ description: 'Reconciliation rule id to silence' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9.-]{0,127}$/)
  ruleId?: string;

  @ApiPropertyOptional({ description: 'Domain to silence (customer, credit, order, contact)' })
  @IsOptional()
  @Matches(/^[a-z_]{1,32}$/)
  domain?: string;

  @ApiProperty()
  @IsString()
  @Length(3, 500)
  reason!: string;

  @ApiProperty({ description: 'When the silence expires (ISO 8601)' })
  @IsISO8601({ strict: true })
  endsAt!: string;
}
