import { createHash } from 'node:crypto';
import { findColumn, type EntityKind } from '@driftwatch/reconciliation-rules';
import type { FixupFieldChange } from './fixup-task';

/** The part of a finding a field write is built from. */
export interface FindingForFix {
  id: string;
  entity: string;
  field: string;
  expectedValue: string;
  actualSystem: string;
  actualValue: string;
  details: unknown;
}

export type FieldWrite = { ok: true; sourceKey: string; change: FixupFieldChange } | { ok: false; reason: string };

const ADDRESS_GROUPS = ['billing_address', 'shipping_address'];
const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Snapshot column (`billing_address_postal_code`) → canonical path (`billingAddress.postalCode`). */
export function canonicalPath(column: string): string {
  const group = ADDRESS_GROUPS.find((g) => column.startsWith(`${g}_`));
  return group ? `${camel(group)}.${camel(column.slice(group.length + 1))}` : camel(column);
}

/** A finding's value (always text) as the canonical model types it; undefined when it cannot be written. */
export function canonicalValue(entity: EntityKind, column: string, text: string): unknown {
  switch (findColumn(entity, column)?.type) {
    case 'string':
      return text;
    case 'money': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
    }
    case 'bool':
      return text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : undefined;
    case 'datetime':
    case 'uint64':
    case undefined:
      return undefined;
  }
}

/**
 * The corrective write a field mismatch asks for: the owner's value into the other system's record
 * (its key is the finding's `details.actual_key`), conditional on the value the finding saw there.
 */
export function fieldWriteOf(finding: FindingForFix): FieldWrite {
  const details = (finding.details ?? {}) as { actual_key?: unknown };
  const sourceKey = typeof details.actual_key === 'string' ? details.actual_key : '';
  if (sourceKey === '')
    return { ok: false, reason: 'the finding does not name the target record (details.actual_key)' };
  const entity = finding.entity as EntityKind;
  const newValue = canonicalValue(entity, finding.field, finding.expectedValue);
  const expectedOld = canonicalValue(entity, finding.field, finding.actualValue);
  if (newValue === undefined || expectedOld === undefined) {
    return { ok: false, reason: `${finding.entity}.${finding.field} is not a field Driftwatch writes` };
  }
  return {
    ok: true,
    sourceKey,
    change: { field: canonicalPath(finding.field), column: finding.field, expectedOld, newValue },
  };
}

/** Deterministic: the same finding, target and changes always give the same base key. */
export function baseKeyOf(findingId: string, targetSystem: string, changes: readonly FixupFieldChange[]): string {
  const changesHash = createHash('sha256').update(JSON.stringify(changes)).digest('hex');
  return createHash('sha256').update([findingId, targetSystem, changesHash].join('\u0000')).digest('hex').slice(0, 40);
}
