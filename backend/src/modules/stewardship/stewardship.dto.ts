import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { FixupTaskView, REVIEW_REASONS } from '../fixups/fixup-task';
import type { ReviewKind } from './fixup-reviews.service';
import { IdentityLink, ItemEventView, ItemView, RecordRef, RecordState } from './stewardship-item';

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
  @ApiProperty({ type: String, nullable: true, description: 'Who should decide the item; null to unassign.' })
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

export class ItemPage {
  @ApiProperty({ type: ItemView, isArray: true }) items!: ItemView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}

export class ItemDetail {
  @ApiProperty({ type: ItemView }) item!: ItemView;
  @ApiProperty({
    type: RecordState,
    isArray: true,
    description: 'Candidates and the suggested counterpart as their latest snapshots hold them, side by side.',
  })
  records!: RecordState[];
  @ApiProperty({
    type: RecordRef,
    isArray: true,
    description: 'Candidate or suggested records no longer in any current snapshot.',
  })
  missingRecords!: RecordRef[];
  @ApiProperty({ type: IdentityLink, isArray: true, description: 'Decided links involving any of the records.' })
  links!: IdentityLink[];
  @ApiProperty({ type: ItemEventView, isArray: true, description: 'The history, oldest first.' })
  events!: ItemEventView[];
}

/** A fix-up task waiting for a person, as the stewardship queue shows it. */
export class ReviewItemView {
  @ApiProperty({
    enum: REVIEW_REASONS,
    description:
      'Why it waits: validation_failure (the target refused the write), conflict (the value changed since), ' +
      'needs_decision (a person decides before anything is written).',
  })
  kind!: ReviewKind;
  @ApiProperty({ type: FixupTaskView }) task!: FixupTaskView;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "conflict only: what the target holds now, as the task's latest move to conflict recorded it.",
  })
  currentValues!: Record<string, unknown> | null;
}

export class ReviewItemPage {
  @ApiProperty({ type: ReviewItemView, isArray: true }) items!: ReviewItemView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}
