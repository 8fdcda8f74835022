/**
 * The corrective write a hierarchy finding asks for, and why it may have to wait for a person. The
 * finding compares parents by match key (`expected_value`: the owner's parent, `actual_value`: the
 * other system's); the write needs the target system's own key of the owner's parent record.
 */
import type { FixupFieldChange } from './fixup-task';

export const PARENT_COLUMN = 'parent_key';
export const PARENT_FIELD = 'parentKey';

/** The part of a hierarchy finding the write is built from. */
export interface HierarchyFinding {
  entity: string;
  matchKey: string;
  expectedValue: string;
  actualSystem: string;
  details: unknown;
}

export type ParentWrite =
  | { kind: 'write'; sourceKey: string; change: FixupFieldChange }
  | { kind: 'review'; sourceKey: string; reason: string }
  | { kind: 'none'; reason: string };

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * `targetKeys`: the target's records whose match key is the owner's parent (resolved in ClickHouse);
 * `refusal`: why the target connector cannot write the entity, if it cannot.
 */
export function parentWriteOf(
  finding: HierarchyFinding,
  targetKeys: readonly string[] | undefined,
  refusal: string | null,
): ParentWrite {
  const details = (finding.details ?? {}) as Record<string, unknown>;
  const sourceKey = text(details.actual_key);
  if (sourceKey === '')
    return { kind: 'none', reason: 'the finding does not name the target record (details.actual_key)' };
  const target = finding.actualSystem;
  const ownerParent = finding.expectedValue;
  if (refusal !== null) return { kind: 'review', sourceKey, reason: `parent not written: ${refusal}` };
  if (ownerParent === '') {
    return {
      kind: 'review',
      sourceKey,
      reason:
        text(details.owner_parent_reference) === ''
          ? `the owner has no parent for ${finding.matchKey}; clearing the parent in ${target} is left to a person`
          : `the owner's parent reference ${text(details.owner_parent_reference)} is not a record of the owner (orphan); a person decides`,
    };
  }
  if (targetKeys === undefined || targetKeys.length === 0) {
    return {
      kind: 'review',
      sourceKey,
      reason: `the owner's parent ${ownerParent} has no record in ${target}: create or link it there and the next run replaces this task with the write`,
    };
  }
  if (targetKeys.length > 1) {
    return {
      kind: 'review',
      sourceKey,
      reason: `the owner's parent ${ownerParent} is ambiguous in ${target} (${targetKeys.length} records: ${targetKeys.slice(0, 5).join(', ')})`,
    };
  }
  return {
    kind: 'write',
    sourceKey,
    change: {
      field: PARENT_FIELD,
      column: PARENT_COLUMN,
      expectedOld: text(details.actual_parent_reference),
      newValue: targetKeys[0],
    },
  };
}
