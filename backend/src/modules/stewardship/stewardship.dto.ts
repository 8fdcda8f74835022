import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';

export class RecordRefDto {
  @ApiProperty({ description: 'System id, e.g. crm.' })
  @Matches(/^[a-z][a-z0-9_]{0,63}$/)
  system!: string;

  @ApiProperty({ description: "The record's source key (entity_key)." })
  @IsString()
  @Length(1, 500)
  entityKey!: string;
}

export class DecideItemDto {
  @ApiProperty({
    enum: ['merge', 'confirm_link', 'reject_link'],
    description: 'merge (duplicates), confirm_link or reject_link (unmatched identities).',
  })
  @IsIn(['merge', 'confirm_link', 'reject_link'])
  action!: 'merge' | 'confirm_link' | 'reject_link';

  @ApiPropertyOptional({ description: 'merge: the candidate key that survives.' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  survivor?: string;

  @ApiPropertyOptional({
    description: 'merge: field → the candidate key whose value the survivor keeps.',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsObject()
  fields?: Record<string, string>;

  @ApiPropertyOptional({ description: 'confirm_link / reject_link: the other record; default the suggestion.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecordRefDto)
  counterpart?: RecordRefDto;

  @ApiPropertyOptional({ description: 'Why; kept with the decision.' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;
}

export class AssignItemDto {
  @ApiProperty({ nullable: true, description: 'Who should decide the item; null to unassign.' })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(1, 200)
  assignee!: string | null;
}

export class DismissItemDto {
  @ApiProperty({ description: 'Why the item needs no decision.' })
  @IsString()
  @Length(3, 1000)
  reason!: string;
}
