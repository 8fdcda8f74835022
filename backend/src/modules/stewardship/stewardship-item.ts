/** A stewardship item: a decision only a person can make about records, and the shapes around it. */

import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

export const ITEM_KINDS = ['duplicate', 'unmatched_identity', 'validation_failure', 'conflict'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];
export const ITEM_STATES = ['open', 'decided', 'dismissed'] as const;
export type ItemState = (typeof ITEM_STATES)[number];
export const SOURCE_TYPES = ['finding', 'fixup_task', 'manual'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** A record in one system, by its source key (`entity_key` in the snapshot tables). */
export class RecordRef {
  @ApiProperty({ description: 'System id, e.g. crm.' }) system!: string;
  @ApiProperty({ description: "The record's source key (entity_key)." }) entityKey!: string;
}

/** A record's latest known state: its canonical fields as text, plus where and when it was captured. */
export class RecordState extends RecordRef {
  @ApiProperty() snapshotId!: string;
  @ApiProperty({ format: 'date-time' }) capturedAt!: string;
  @ApiProperty({ format: 'date-time' }) sourceUpdatedAt!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Snapshot column → its value as text (every canonical column of the entity).',
  })
  fields!: Record<string, string>;
}

/** A suggested counterpart of an unmatched record and why it was suggested. */
export class LinkSuggestion extends RecordRef {
  @ApiProperty({ description: 'Sum of the weights of the fields that agree.' }) score!: number;
  @ApiProperty({ type: [String], description: 'Which normalised fields agree, e.g. tax_id, email, legal_name.' })
  matchedOn!: string[];
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

export class FieldChange {
  @ApiProperty({ description: 'Snapshot column.' }) field!: string;
  @ApiProperty({ description: "The survivor's value now." }) from!: string;
  @ApiProperty({ description: 'The chosen value.' }) to!: string;
  @ApiProperty({ description: 'The candidate record the new value comes from.' }) sourceKey!: string;
}

export class MergedDuplicate {
  @ApiProperty() entityKey!: string;
  @ApiProperty({ description: "The record's status as the steward saw it." }) status!: string;
}

export class MergeDecision {
  @ApiProperty({ enum: ['merge'] }) action!: 'merge';
  @ApiProperty({ description: 'The candidate key that survives.' }) survivor!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'field → the candidate key whose value wins.',
  })
  fields!: Record<string, string>;
  @ApiProperty({
    type: FieldChange,
    isArray: true,
    description: 'What has to change on the survivor for the chosen values to hold.',
  })
  changes!: FieldChange[];
  @ApiPropertyOptional({
    type: MergedDuplicate,
    isArray: true,
    description: 'The losing duplicates with their status as the steward saw it (retired by fix-up tasks).',
  })
  duplicates?: MergedDuplicate[];
  @ApiPropertyOptional({
    type: [String],
    description:
      "The fix-up tasks the decision made: the survivor's field writes and one per losing duplicate. " +
      'Absent until they are planned.',
  })
  fixupTaskIds?: string[];
}

export class RecordPair {
  @ApiProperty({ type: RecordRef }) a!: RecordRef;
  @ApiProperty({ type: RecordRef }) b!: RecordRef;
}

export class ConfirmedLink extends RecordPair {
  @ApiProperty({ description: 'The identity both records share in the crosswalk.' }) globalId!: string;
}

export class ConfirmLinkDecision {
  @ApiProperty({ enum: ['confirm_link'] }) action!: 'confirm_link';
  @ApiProperty({ type: ConfirmedLink }) link!: ConfirmedLink;
}

export class RejectLinkDecision {
  @ApiProperty({ enum: ['reject_link'] }) action!: 'reject_link';
  @ApiProperty({ type: RecordPair }) link!: RecordPair;
}

export type Decision = MergeDecision | ConfirmLinkDecision | RejectLinkDecision;

@ApiExtraModels(MergeDecision, ConfirmLinkDecision, RejectLinkDecision)
export class ItemView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ITEM_KINDS }) kind!: ItemKind;
  @ApiProperty({ enum: SOURCE_TYPES }) sourceType!: SourceType;
  @ApiProperty({ description: 'The finding id or fix-up task id the item was raised for.' }) sourceId!: string;
  @ApiProperty({ type: String, nullable: true }) ruleId!: string | null;
  @ApiProperty() entity!: string;
  @ApiProperty({ description: 'The system the subject record lives in.' }) system!: string;
  @ApiProperty({ description: "The subject record's key; for duplicates the first candidate." }) subjectKey!: string;
  @ApiProperty({
    type: RecordRef,
    isArray: true,
    description: 'Duplicates: every candidate record (same system). Unmatched: the subject record.',
  })
  candidates!: RecordRef[];
  @ApiProperty({
    type: LinkSuggestion,
    nullable: true,
    description: 'Unmatched identities: the suggested counterpart.',
  })
  suggestion!: LinkSuggestion | null;
  @ApiProperty() score!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "Free-form context (finding kind, the system the record is absent from, a fix-up task's error).",
  })
  details!: Record<string, unknown>;
  @ApiProperty({ enum: ITEM_STATES }) state!: ItemState;
  @ApiProperty({ type: String, nullable: true }) assignee!: string | null;
  @ApiProperty({
    oneOf: [MergeDecision, ConfirmLinkDecision, RejectLinkDecision].map((model) => ({ $ref: getSchemaPath(model) })),
    nullable: true,
    description: 'The decision taken (by action); null while open or when dismissed.',
  })
  decision!: Decision | null;
  @ApiProperty({ type: String, nullable: true }) decidedBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) decidedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it was decided or dismissed.' }) reason!:
    string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/** One step of an item's history. */
export class ItemEventView {
  @ApiProperty({ description: 'Sequential id (text: it is a 64-bit number).' }) id!: string;
  @ApiProperty({ description: 'What happened, e.g. open, assign, merge, confirm_link, dismiss, fixups_planned.' })
  action!: string;
  @ApiProperty({ enum: ITEM_STATES, nullable: true, description: 'Null for the event that opened the item.' })
  fromState!: ItemState | null;
  @ApiProperty({ enum: ITEM_STATES }) toState!: ItemState;
  @ApiProperty() actor!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What the step recorded, e.g. the decision or the assignee change.',
  })
  payload!: unknown;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export const LINK_STATUSES = ['confirmed', 'rejected'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

/** A decision on a pair of records in two systems (Postgres `identity_links`), the pair in a fixed order. */
export class IdentityLink extends RecordPair {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() entity!: string;
  @ApiProperty({ enum: LINK_STATUSES }) status!: LinkStatus;
  @ApiProperty({ description: 'The identity both records share in the crosswalk; empty for a rejected link.' })
  globalId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The item the decision was taken on.' })
  itemId!: string | null;
  @ApiProperty() decidedBy!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}
