import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { FixupEventView, FixupTaskView } from './fixup-task';
import { MAX_BULK, type ReviewDecision } from './fixups.service';

const RULE_ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const SYSTEM = /^[a-z][a-z0-9_-]{0,39}$/;

/**
 * Bulk selection: explicit ids, or every task in the right state of a rule and/or target system. The
 * reason comes with each action's body: class-validator merges a parent's @IsOptional into a subclass,
 * so an inherited optional reason could not be made required (bulk dismiss took none).
 */
class TaskSelection {
  @ApiPropertyOptional({ type: [String], description: `Task ids (at most ${MAX_BULK}).` })
  @IsOptional()
  @IsUUID('all', { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK)
  ids?: string[];

  @ApiPropertyOptional({ description: 'Every task of this rule in a state the action applies to.' })
  @IsOptional()
  @Matches(RULE_ID)
  ruleId?: string;

  @ApiPropertyOptional({ description: 'Every task writing to this system in a state the action applies to.' })
  @IsOptional()
  @Matches(SYSTEM)
  system?: string;
}

export class FixupReasonDto {
  @ApiPropertyOptional({ description: 'Why (kept in the task trail and the audit log).' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class FixupDismissDto {
  @ApiProperty({ description: 'Why the task is dismissed.' })
  @IsString()
  @Length(3, 500)
  reason!: string;
}

export class FixupSelectionDto extends IntersectionType(TaskSelection, FixupReasonDto) {}

export class FixupBulkDismissDto extends IntersectionType(TaskSelection, FixupDismissDto) {}

export class FixupDecisionDto extends FixupReasonDto {
  @ApiProperty({ enum: ['approve', 'dismiss', 'retry'] })
  @IsIn(['approve', 'dismiss', 'retry'])
  decision!: ReviewDecision;
}

export class RefusedTaskView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Why the action does not apply to this task.' }) reason!: string;
}

export class BulkOutcomeView {
  @ApiProperty({ type: [String], description: 'Tasks the action moved.' }) changed!: string[];
  @ApiProperty({
    type: [String],
    description: 'Tasks not moved: not in a state the action applies to, unknown, or refused (see refused).',
  })
  skipped!: string[];
  @ApiProperty({
    type: [RefusedTaskView],
    description:
      'Tasks the action does not apply to whatever their state, with why (approve: no field changes; ' +
      'approve, retry, replay: a suppressed finding).',
  })
  refused!: RefusedTaskView[];
}

export class FixupTaskPage {
  @ApiProperty({ type: FixupTaskView, isArray: true }) items!: FixupTaskView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}

/** One task with every transition (who or what, when, why, from → to), oldest first. */
export class FixupDetail {
  @ApiProperty({ type: FixupTaskView }) task!: FixupTaskView;
  @ApiProperty({ type: FixupEventView, isArray: true }) transitions!: FixupEventView[];
}
