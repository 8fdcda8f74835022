/** A stewardship item: a decision only a person can make about records, and the shapes around it. */

export const ITEM_KINDS = ['duplicate', 'unmatched_identity', 'validation_failure', 'conflict'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];
export const ITEM_STATES = ['open', 'decided', 'dismissed'] as const;
export type ItemState = (typeof ITEM_STATES)[number];
export const SOURCE_TYPES = ['finding', 'fixup_task', 'manual'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** A record in one system, by its source key (`entity_key` in the snapshot tables). */
export interface RecordRef {
  system: string;
  entityKey: string;
}

/** A suggested counterpart of an unmatched record and why it was suggested. */
export interface LinkSuggestion extends RecordRef {
  score: number;
  /** Which normalised fields agree, e.g. tax_id, email, legal_name. */
  matchedOn: string[];
}

/** What `StewardshipService.open` needs; the source (type, id) makes opening idempotent. */
export interface OpenItemInput {
  kind: ItemKind;
  sourceType: SourceType;
  sourceId: string;
  ruleId?: string | null;
  entity: string;
  /** The system the subject record lives in. */
  system: string;
  /** The subject record's key; for duplicates the first candidate. */
  subjectKey: string;
  /** Duplicates: every candidate record (same system). Unmatched: the subject record. */
  candidates: RecordRef[];
  suggestion?: LinkSuggestion | null;
  score?: number;
  /** Free-form context (finding kind, the system the record is absent from, a fix-up task's error). */
  details?: Record<string, unknown>;
}

export interface FieldChange {
  field: string;
  from: string;
  to: string;
  /** The candidate record the new value comes from. */
  sourceKey: string;
}

export type Decision =
  | {
      action: 'merge';
      survivor: string;
      /** field → the candidate key whose value wins. */
      fields: Record<string, string>;
      /** What has to change on the survivor for the chosen values to hold. */
      changes: FieldChange[];
      /** The losing duplicates with their status as the steward saw it (retired by fix-up tasks). */
      duplicates?: { entityKey: string; status: string }[];
      /** The fix-up tasks the decision made: the survivor's field writes and one per losing duplicate. */
      fixupTaskIds?: string[];
    }
  | { action: 'confirm_link'; link: { a: RecordRef; b: RecordRef; globalId: string } }
  | { action: 'reject_link'; link: { a: RecordRef; b: RecordRef } }
  | { action: 'delegated'; outcome: unknown };

export interface ItemView {
  id: string;
  kind: ItemKind;
  sourceType: SourceType;
  sourceId: string;
  ruleId: string | null;
  entity: string;
  system: string;
  subjectKey: string;
  candidates: RecordRef[];
  suggestion: LinkSuggestion | null;
  score: number;
  details: Record<string, unknown>;
  state: ItemState;
  assignee: string | null;
  decision: Decision | null;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ItemEventView {
  id: string;
  action: string;
  fromState: ItemState | null;
  toState: ItemState;
  actor: string;
  reason: string | null;
  payload: unknown;
  at: string;
}
