import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { LimitField, TargetKeys } from '../../http/request-field.decorators';
import { IsZonedDateTime } from '../../http/zoned-date-time';
import { ENTITY_KINDS, type EntityKind, type FindingRow } from '@driftwatch/reconciliation-rules';
import {
  RECONCILIATION_RUN_STATUSES,
  RECONCILIATION_TRIGGERS,
  RUN_SCOPES,
  type ReconciliationRunStatus,
  type ReconciliationTrigger,
  type RunScope,
} from './reconciliation-runs.repository';
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

export class QueuedReconciliationRun {
  @ApiProperty({ description: 'Find the run under GET runs?jobId= once a worker starts it.' }) jobId!: string;
}

export const RULE_OUTCOME_STATUSES = ['ran', 'held', 'skipped', 'failed'] as const;

/** What a run did with one rule; the counts are there when the rule ran. */
export class RuleOutcome {
  @ApiProperty() version!: number;
  @ApiProperty({ enum: RULE_OUTCOME_STATUSES }) status!: (typeof RULE_OUTCOME_STATUSES)[number];
  @ApiPropertyOptional() findings?: number;
  @ApiPropertyOptional() new?: number;
  @ApiPropertyOptional() reopened?: number;
  @ApiPropertyOptional({
    description:
      "Differences held rather than reported: the rule's settle time had not passed since their records changed.",
  })
  unsettled?: number;
  @ApiPropertyOptional({ description: 'Active findings of this rule version that the run no longer saw: resolved.' })
  resolved?: number;
  @ApiPropertyOptional({
    description:
      'Active findings of another version of the rule that the run no longer saw: retired (the rule changed).',
  })
  retired?: number;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional({
    description: 'Of durationMs, the time ClickHouse took to evaluate the rule and store its findings.',
  })
  queryMs?: number;
  @ApiPropertyOptional({
    type: [String],
    description: 'Rules evaluated in the same ClickHouse query (fused field_match rules): queryMs is theirs too.',
  })
  fusedWith?: string[];
  @ApiPropertyOptional({
    description: 'Of durationMs, the time Postgres took to merge the findings into their lifecycle.',
  })
  mergeMs?: number;
  @ApiPropertyOptional({
    description: 'Disjoint parts the findings were merged in at once (a rule with many findings); absent: one.',
  })
  mergeParts?: number;
  @ApiPropertyOptional({ description: 'Why the rule was held, skipped or failed.' }) reason?: string;
}

/** What a targeted run asks for: keys of one entity, given or those of an event-triggered snapshot. */
export class RunTarget {
  @ApiProperty({ enum: ENTITY_KINDS }) entity!: EntityKind;
  @ApiPropertyOptional({ type: [String] }) keys?: string[];
  @ApiPropertyOptional({ format: 'uuid', description: 'The event-triggered snapshot whose keys the run read.' })
  snapshotRunId?: string;
  @ApiPropertyOptional({
    type: [String],
    description:
      'Event-triggered snapshots whose keys the run read (those that landed while the previous run was busy).',
  })
  snapshotRunIds?: string[];
}

export class ReconciliationRunScope {
  @ApiProperty({ type: [String], nullable: true, description: 'The rules asked for; null: every enabled rule.' })
  ruleIds!: string[] | null;
  @ApiProperty({ type: RunTarget, nullable: true, description: 'null: a full run.' })
  target!: RunTarget | null;
}

export const HOLD_REASONS = ['latest_snapshot_partial', 'latest_snapshot_failed', 'row_count_drop'] as const;

/** A (system, entity) whose presence rules a run held back (the flood guard), and why. */
export class SnapshotHold {
  @ApiProperty() system!: string;
  @ApiProperty({ enum: ENTITY_KINDS }) entity!: EntityKind;
  @ApiProperty({ enum: HOLD_REASONS }) reason!: (typeof HOLD_REASONS)[number];
  @ApiProperty() snapshotId!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ description: 'row_count_drop: rows of the latest full snapshot.' }) rowCount?: number;
  @ApiPropertyOptional({ description: 'row_count_drop: rows of the one before.' }) previousRowCount?: number;
}

export class SkippedRule {
  @ApiProperty() ruleId!: string;
  @ApiProperty() reason!: string;
}

@ApiExtraModels(RuleOutcome)
export class ReconciliationRunView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: RECONCILIATION_TRIGGERS }) trigger!: ReconciliationTrigger;
  @ApiProperty({ enum: RECONCILIATION_RUN_STATUSES }) status!: ReconciliationRunStatus;
  @ApiProperty({ type: ReconciliationRunScope }) scope!: ReconciliationRunScope;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The snapshot id the run read per `system/entity`.',
  })
  snapshots!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Rule id: version run.' })
  ruleVersions!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(RuleOutcome) },
    description: 'Per rule id.',
  })
  ruleCounts!: Record<string, RuleOutcome>;
  @ApiProperty({ type: [SnapshotHold] }) held!: SnapshotHold[];
  @ApiProperty({ type: [SkippedRule] }) skipped!: SkippedRule[];
  @ApiProperty() findingsTotal!: number;
  @ApiProperty() resolvedTotal!: number;
  @ApiProperty({ type: String, nullable: true, description: 'The queue job it ran as (POST runs answers it).' })
  jobId!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
}

/** A finding row as a compiled rule returns it (the published shape of @driftwatch/reconciliation-rules). */
export class FindingRowView implements FindingRow {
  @ApiProperty() rule_id!: string;
  @ApiProperty() rule_version!: number;
  @ApiProperty() entity!: string;
  @ApiProperty() match_key!: string;
  @ApiProperty() field!: string;
  @ApiProperty({ example: 'mismatch' }) kind!: string;
  @ApiProperty() owner_system!: string;
  @ApiProperty() expected_value!: string;
  @ApiProperty() actual_system!: string;
  @ApiProperty() actual_value!: string;
  @ApiProperty({ description: 'A JSON object, as text.' }) details!: string;
  @ApiProperty() score!: number;
}

const FINDINGS_BY_KIND = {
  type: 'object',
  additionalProperties: { type: 'number' },
  description: 'Findings per kind.',
} as const;

export class DryRunView {
  @ApiProperty() ruleId!: string;
  @ApiProperty() ruleVersion!: number;
  @ApiProperty({ description: 'Findings the rule yields now (all of them, not only those returned).' }) total!: number;
  @ApiProperty(FINDINGS_BY_KIND) byKind!: Record<string, number>;
  @ApiProperty({ description: 'True when findings holds fewer than total (the limit).' }) truncated!: boolean;
  @ApiProperty({ type: [FindingRowView] }) findings!: FindingRowView[];
}

export class BacktestPoint {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The snapshot id read per `system/entity`.',
  })
  snapshots!: Record<string, string>;
  @ApiProperty() total!: number;
  @ApiProperty(FINDINGS_BY_KIND) byKind!: Record<string, number>;
}

export class BacktestView {
  @ApiProperty() ruleId!: string;
  @ApiProperty() ruleVersion!: number;
  @ApiProperty({
    type: [BacktestPoint],
    description: 'One per past point where the rule could run, oldest first (at most maxPoints, the latest).',
  })
  points!: BacktestPoint[];
}
