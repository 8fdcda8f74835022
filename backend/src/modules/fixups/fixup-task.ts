/** A fix-up task: one corrective write (or one decision for a person) derived from one finding. */

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

export const FIX_POLICIES = ['auto', 'approval', 'manual'] as const;
export type FixPolicy = (typeof FIX_POLICIES)[number];

/** One field to write: canonical path (connector side), snapshot column (finding side), old and new value. */
export interface FixupFieldChange {
  field: string;
  column: string;
  expectedOld: unknown;
  newValue: unknown;
}

export interface FixupTaskView {
  id: string;
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
  state: FixupState;
  stateReason: string | null;
  attempts: number;
  lastError: string | null;
  idempotencyKey: string;
  jobGeneration: number;
  createdRunId: string;
  resolvedRunId: string | null;
  createdAt: string;
  updatedAt: string;
  appliedAt: string | null;
  finishedAt: string | null;
}

/** A task waiting for a person, with why it waits and, for a conflict, what the target holds now. */
export interface FixupReviewView {
  reason: ReviewReason;
  task: FixupTaskView;
  /** `conflict` only: the target's values as the task's latest move to `conflict` recorded them. */
  currentValues: Record<string, unknown> | null;
}

export interface FixupEventView {
  id: string;
  fromState: FixupState | null;
  toState: FixupState;
  actor: string;
  reason: string | null;
  details: unknown;
  at: string;
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
