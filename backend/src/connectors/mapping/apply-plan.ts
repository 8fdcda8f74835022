import type { CanonicalRecord, EntityKind } from '../canonical-model';
import type { ApplyResult, RecordChange } from '../connector';
import { EntityMapper, getPath, sameValue } from './entity-mapping';
import { MappingError } from './value-normalizers';

export type ApplyPlan =
  | { kind: 'done'; result: ApplyResult }
  | { kind: 'write'; sourceValues: Record<string, unknown>; canonicalValues: Record<string, unknown> };

/**
 * The decision every connector makes before a corrective write, from the target's current record:
 * every field already has the new value → already_applied (replays are no-ops); a field holds neither
 * the expected old value nor the new one → conflict (someone edited it since the finding); otherwise
 * write the fields that still differ.
 */
export function planApply<E extends EntityKind>(
  mapper: EntityMapper<E> | undefined,
  change: RecordChange,
  current: CanonicalRecord<E> | undefined,
): ApplyPlan {
  if (!mapper) return rejected(`entity ${change.entity} is not writable here`);
  if (change.changes.length === 0) return rejected('no field changes');
  if (!current) return rejected(`record ${change.sourceKey} not found`);
  const sourceValues: Record<string, unknown> = {};
  const canonicalValues: Record<string, unknown> = {};
  const currentValues: Record<string, unknown> = {};
  let conflict = false;
  let pending = false;
  for (const { field, expectedOld, newValue } of change.changes) {
    const now = getPath(current.fields, field);
    if (now === undefined) return rejected(`unknown field ${field} for ${change.entity}`);
    currentValues[field] = now;
    try {
      const { sourceField, value } = mapper.toSource(field, newValue);
      if (sameValue(now, newValue)) continue;
      if (!sameValue(now, expectedOld)) conflict = true;
      pending = true;
      sourceValues[sourceField] = value;
      canonicalValues[field] = newValue;
    } catch (error) {
      if (error instanceof MappingError) return rejected(error.message);
      throw error;
    }
  }
  if (conflict) {
    return {
      kind: 'done',
      result: { outcome: 'conflict', reason: 'the target changed since the finding', currentValues },
    };
  }
  if (!pending) return { kind: 'done', result: { outcome: 'already_applied' } };
  return { kind: 'write', sourceValues, canonicalValues };
}

function rejected(reason: string): ApplyPlan {
  return { kind: 'done', result: { outcome: 'rejected', reason } };
}
