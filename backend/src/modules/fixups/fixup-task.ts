/** A fix-up task: one corrective write (or one decision for a person) derived from one finding. */

import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';

export const FIXUP_STATES = [
  'proposed',
  'approved',
  'queued',
  'applying',
  'verifying',
  'done',
  'conflict',
  'failed',
  'dead_lettered',
  'needs_review',
  'dismissed',
] as const;
export type FixupState = (typeof FIXUP_STATES)[number];
/** The state filter's value for every state but the terminal ones (done, dismissed): work in flight or waiting. */
export const OPEN_FILTER = 'open';

/**
 * Why a task in a review state waits for a person: the target refused the write
 * (`validation_failure`), the value changed since the finding or decision (`conflict`), or a person
 * decides before anything is written (`needs_decision`: manual policy, held by a blast-radius guard,
 * or no connector write for it). Derived in one place, `FixupsRepository.findReviews` (SQL).
 */
export const REVIEW_REASONS = ['validation_failure', 'conflict', 'needs_decision'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/** How CorrectiveSyncService's reason (and last error) starts when the target answers `rejected`. */
export const REFUSED_BY_TARGET = 'the target refused the write';

/** Corrective sync to one target system that waits on someone: dead letters, and tasks left for a person. */
export interface FixupBacklog {
  system: string;
  deadLettered: number;
  /** When the longest-untouched dead letter last changed; null without any. */
  oldestDeadLetterAt: Date | null;
  /** Tasks waiting for a person (needs_review, conflict) untouched since before the asked time. */
  waitingSince: { count: number; oldest: Date | null };
  /** The latest three dead letters: what failed and why. */
  recentDeadLetters: { ruleId: string; matchKey: string; lastError: string | null }[];
}

export const FIX_POLICIES = ['auto', 'approval', 'manual'] as const;
export type FixPolicy = (typeof FIX_POLICIES)[number];

/** Any JSON value a canonical field holds: text, an amount, a flag, an ISO-8601 instant, or null for none. */
const FIELD_VALUE: ApiPropertyOptions = {
  oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
  nullable: true,
};

/** One field to write: canonical path (connector side), snapshot column (finding side), old and new value. */
export class FixupFieldChange {
  @ApiProperty({ description: 'Canonical path (connector side), e.g. billingAddress.postalCode.' }) field!: string;
  @ApiProperty({ description: 'Snapshot column (finding side), e.g. billing_address_postal_code.' }) column!: string;
  @ApiProperty({ ...FIELD_VALUE, description: 'The value the write expects the target to hold; else a conflict.' })
  expectedOld!: unknown;
  @ApiProperty(FIELD_VALUE) newValue!: unknown;
}

export class FixupTaskView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() findingId!: string;
  @ApiProperty() ruleId!: string;
  @ApiProperty() ruleKind!: string;
  @ApiProperty() findingKind!: string;
  @ApiProperty() entity!: string;
  @ApiProperty() matchKey!: string;
  @ApiProperty({ description: 'The system (connector id) the task writes to.' }) targetSystem!: string;
  @ApiProperty({ description: "The target record's source key." }) sourceKey!: string;
  @ApiProperty({ type: FixupFieldChange, isArray: true, description: 'Empty for a decision for a person.' })
  changes!: FixupFieldChange[];
  @ApiProperty({ enum: FIX_POLICIES }) policy!: FixPolicy;
  @ApiProperty({ enum: FIXUP_STATES }) state!: FixupState;
  @ApiProperty({ type: String, nullable: true, description: 'Why the task is in its state.' })
  stateReason!: string | null;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty() idempotencyKey!: string;
  @ApiProperty({ type: 'integer', description: 'Bumped by retry and replay: the next write runs under a new job.' })
  jobGeneration!: number;
  @ApiProperty({ format: 'uuid' }) createdRunId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The run that closed the task.' })
  resolvedRunId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) appliedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
}

/** A task waiting for a person, with why it waits and, for a conflict, what the target holds now. */
export interface FixupReviewView {
  reason: ReviewReason;
  task: FixupTaskView;
  /** `conflict` only: the target's values as the task's latest move to `conflict` recorded them. */
  currentValues: Record<string, unknown> | null;
}

/** One move of a task: who or what, when, why, from → to. */
export class FixupEventView {
  @ApiProperty({ description: 'Sequential id (text: it is a 64-bit number).' }) id!: string;
  @ApiProperty({ enum: FIXUP_STATES, nullable: true, description: 'Null for the move that created the task.' })
  fromState!: FixupState | null;
  @ApiProperty({ enum: FIXUP_STATES }) toState!: FixupState;
  @ApiProperty() actor!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "What the move recorded, e.g. a conflict's currentValues.",
  })
  details!: unknown;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

/** A task to create, before it has an id. */
export interface NewFixupTask {
  findingId: string;
  ruleId: string;
  ruleKind: string;
  findingKind: string;
  entity: string;
  matchKey: string;
  targetSystem: string;
  sourceKey: string;
  changes: FixupFieldChange[];
  policy: FixPolicy;
  state: Extract<FixupState, 'proposed' | 'approved' | 'needs_review'>;
  stateReason: string | null;
  baseKey: string;
  createdRunId: string;
}
