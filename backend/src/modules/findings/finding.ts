/** A finding's lifecycle statuses, a run's observation of one, and its stable id (API view: findings.dto.ts). */
import { hash } from 'node:crypto';

/**
 * `retired`: a new version of the finding's rule no longer sees it (the rule changed, not the data), so
 * it leaves the active set without counting as a resolution.
 */
export const FINDING_STATUSES = ['new', 'open', 'resolved', 'reopened', 'suppressed', 'retired'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
/** Assignee words with a meaning of their own: the caller, and nobody (a filter value, never a name). */
export const ASSIGNEE_ME = 'me';
export const UNASSIGNED = 'unassigned';
export const ASSIGNEE_MAX_LENGTH = 120;
/** Why a finding is suppressed: required, and short enough to read in a list (migration 0014). */
export const SUPPRESSION_REASON_MAX_LENGTH = 500;
/** Who lifts an expired suppression (a reconciliation run), as the audit log and the finding name it. */
export const SYSTEM_ACTOR = 'system';

/** Statuses of a finding that a run still sees as a live problem. */
export const ACTIVE_STATUSES: readonly FindingStatus[] = ['new', 'open', 'reopened'];
/** The status filter's value for every active status at once (the triage queue). */
export const ACTIVE_FILTER = 'active';

/** One observation of a finding by a run, before it is merged into the current state. */
export interface FindingObservation {
  ruleId: string;
  ruleVersion: number;
  entity: string;
  matchKey: string;
  field: string;
  kind: string;
  ownerSystem: string;
  expectedValue: string;
  actualSystem: string;
  actualValue: string;
  details: string;
  score: number;
  severity: string;
  domain: string;
}

/** The form of a finding id (what `findingId` returns). */
export const FINDING_ID = /^[0-9a-f]{32}$/;

/**
 * The stable id: the same problem (rule, entity, key, field, system) keeps its id across runs and
 * rule versions, so its history, occurrences and fix-up tasks attach to one row.
 */
export function findingId(
  f: Pick<FindingObservation, 'ruleId' | 'entity' | 'matchKey' | 'field' | 'actualSystem'>,
): string {
  // One-shot hash: ~3x faster than createHash() per call, and a merge hashes every observation.
  return hash('sha256', [f.ruleId, f.entity, f.matchKey, f.field, f.actualSystem].join('\u0000'), 'hex').slice(0, 32);
}
