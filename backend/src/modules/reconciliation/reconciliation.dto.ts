import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { LimitField, TargetKeys } from '../../http/request-field.decorators';
import { IsZonedDateTime } from '../../http/zoned-date-time';
import { ENTITY_KINDS, type EntityKind } from '@driftwatch/reconciliation-rules';
import { RUN_SCOPES, type RunScope } from './reconciliation-runs.repository';
import { MAX_TARGET_KEYS } from './current-state.service';
import { MAX_BACKTEST_POINTS, MAX_PREVIEW } from './rule-previews.service';

const RULE_ID = /^[a-z][a-z0-9_.-]*$/;

export class CreateReconciliationRunDto {
  @ApiPropertyOptional({ type: [String], description: 'Only these rules (default: every enabled rule).' })
  @IsOptional()
  @IsString({ each: true })
  @Matches(RULE_ID, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  ruleIds?: string[];

  @ApiPropertyOptional({ enum: ENTITY_KINDS, description: 'With keys: a targeted run of this entity.' })
  @IsOptional()
  @IsIn(ENTITY_KINDS)
  entity?: EntityKind;

  @TargetKeys(MAX_TARGET_KEYS, 'Match keys (e.g. customer numbers) of a targeted run.')
  keys?: string[];
}

export class ListReconciliationRunsQuery {
  @LimitField(500, { default: 50 })
  limit?: number;

  @ApiPropertyOptional({ description: 'The jobId the run was requested under (POST runs answers it).' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(/^[\w:.-]+$/)
  jobId?: string;

  @ApiPropertyOptional({
    enum: RUN_SCOPES,
    description:
      'full: runs over whole entities (scheduled, after a full snapshot, requested); targeted: runs on the keys ' +
      'of change events, a handful each. Default: both.',
  })
  @IsOptional()
  @IsIn(RUN_SCOPES)
  scope?: RunScope;
}

class RuleChoiceDto {
  @ApiPropertyOptional({ description: 'A rule of the loaded pack.' })
  @IsOptional()
  @IsString()
  @Matches(RULE_ID)
  ruleId?: string;

  @ApiPropertyOptional({ description: 'A rule as YAML text (e.g. being edited); validated like a rule file.' })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  rule?: string;
}

export class DryRunDto extends RuleChoiceDto {
  @TargetKeys(MAX_TARGET_KEYS, 'Only these match keys.')
  keys?: string[];

  @LimitField(MAX_PREVIEW, { default: 100 })
  limit?: number;
}

export class BacktestDto extends RuleChoiceDto {
  // ISO 8601 text, not any value Date() takes: 5 or true would otherwise become 1970-01-01.
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsZonedDateTime()
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsZonedDateTime()
  to?: string;

  @LimitField(MAX_BACKTEST_POINTS)
  maxPoints?: number;
}
