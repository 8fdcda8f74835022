/**
 * A merge decision on duplicate records: which record survives and, field by field, which
 * candidate's value it keeps. Validated against the candidates and the entity's canonical columns;
 * the result is the list of changes the survivor needs.
 */
import { CANONICAL_COLUMNS, DEFAULT_MATCH_FIELD, type EntityKind } from '@driftwatch/reconciliation-rules';
import type { FieldChange, RecordRef, RecordState } from './stewardship-item';
import { InvalidDecisionError } from './stewardship.errors';

export interface MergeRequest {
  survivor?: unknown;
  fields?: unknown;
}

export interface ValidMerge {
  survivor: string;
  fields: Record<string, string>;
}

/** Fields a merge may take from another record: canonical columns except the cross-system key. */
export function mergeableFields(entity: EntityKind): string[] {
  return CANONICAL_COLUMNS[entity].map((c) => c.name).filter((name) => name !== DEFAULT_MATCH_FIELD[entity]);
}

export function validateMerge(entity: EntityKind, candidates: readonly RecordRef[], request: MergeRequest): ValidMerge {
  const keys = candidates.map((c) => c.entityKey);
  if (typeof request.survivor !== 'string' || request.survivor === '') {
    throw new InvalidDecisionError('survivor', `is required: one of ${keys.join(', ')}`);
  }
  if (!keys.includes(request.survivor)) {
    throw new InvalidDecisionError('survivor', `must be one of the candidates ${keys.join(', ')}`);
  }
  const fields: Record<string, string> = {};
  if (request.fields !== undefined) {
    if (request.fields === null || typeof request.fields !== 'object' || Array.isArray(request.fields)) {
      throw new InvalidDecisionError('fields', 'must be an object of field name → candidate key');
    }
    const allowed = mergeableFields(entity);
    for (const [field, source] of Object.entries(request.fields as Record<string, unknown>)) {
      if (!allowed.includes(field)) {
        throw new InvalidDecisionError(`fields.${field}`, `is not a field of ${entity} that a merge can set`);
      }
      if (typeof source !== 'string' || !keys.includes(source)) {
        throw new InvalidDecisionError(`fields.${field}`, `must name one of the candidates ${keys.join(', ')}`);
      }
      fields[field] = source;
    }
  }
  return { survivor: request.survivor, fields };
}

/** The survivor's changes: each field whose chosen record holds a different value than the survivor. */
export function survivorChanges(merge: ValidMerge, records: readonly RecordState[]): FieldChange[] {
  const byKey = new Map(records.map((r) => [r.entityKey, r]));
  const survivor = byKey.get(merge.survivor);
  if (!survivor) throw new InvalidDecisionError('survivor', `record ${merge.survivor} no longer exists`);
  const changes: FieldChange[] = [];
  for (const [field, sourceKey] of Object.entries(merge.fields)) {
    const source = byKey.get(sourceKey);
    if (!source) throw new InvalidDecisionError(`fields.${field}`, `record ${sourceKey} no longer exists`);
    const from = survivor.fields[field] ?? '';
    const to = source.fields[field] ?? '';
    if (from !== to) changes.push({ field, from, to, sourceKey });
  }
  return changes;
}
