import type { FixupState } from './fixup-task';

/**
 * Every state change a fix-up task may make. The repository applies a transition only as a
 * compare-and-set on the current state, so two processes can never both move a task out of a state.
 * `applying → applying` and `verifying → applying` reclaim a task whose worker died mid-apply (its
 * lease expired); applying again is safe because connector writes are conditional on the old value.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<FixupState, readonly FixupState[]>> = {
  proposed: ['approved', 'needs_review', 'dismissed'],
  approved: ['queued', 'dismissed'],
  queued: ['applying', 'dead_lettered', 'dismissed'],
  // applying → dismissed: the owner's value moved on since the finding (superseded, nothing written).
  applying: ['applying', 'verifying', 'conflict', 'needs_review', 'queued', 'failed', 'dead_lettered', 'dismissed'],
  verifying: ['applying', 'done', 'failed', 'queued', 'conflict', 'dead_lettered'],
  done: [],
  conflict: ['queued', 'dismissed'],
  failed: ['queued', 'dismissed'],
  dead_lettered: ['queued', 'dismissed'],
  needs_review: ['approved', 'dismissed'],
  dismissed: [],
};

/** States no worker or schedule moves a task out of. */
export const TERMINAL_STATES: readonly FixupState[] = ['done', 'dismissed'];
/** States in which a person is asked to decide (the stewardship queue lists these). */
export const REVIEW_STATES: readonly FixupState[] = ['needs_review', 'conflict'];

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: FixupState,
    readonly to: FixupState,
  ) {
    super(`a fix-up task cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

export function canTransition(from: FixupState, to: FixupState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

export function assertTransition(from: FixupState, to: FixupState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** The states from which a task can reach `to` (the CAS accepts any of them). */
export function sourcesOf(to: FixupState): FixupState[] {
  return (Object.keys(ALLOWED_TRANSITIONS) as FixupState[]).filter((from) => canTransition(from, to));
}
