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
