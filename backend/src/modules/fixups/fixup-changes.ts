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

/**
 * How a field_match finding renders a datetime: ClickHouse's `toString(x, 'UTC')` of a `DateTime`,
 * whole seconds in UTC without a zone (`2026-01-10 10:00:00`).
 */
const FINDING_DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
/**
 * The text of a `DateTime` 0, which snapshots store for "no date": ClickHouse 18.16 prints zeros, later
 * servers the epoch. A source's real date at the epoch cannot be told apart from none, so it is none.
 */
const NO_DATETIME = new Set(['', '0000-00-00 00:00:00', '1970-01-01 00:00:00']);

type CanonicalText = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * A finding's datetime text as the connectors' write path carries a date: an ISO-8601 instant (what a
 * change holds after its round trip through `fix_tasks.changes`, jsonb) or null for no date.
 */
export function findingDateTime(text: string): CanonicalText {
  if (NO_DATETIME.has(text)) return { ok: true, value: null };
  const parts = FINDING_DATETIME.exec(text)?.slice(1).map(Number);
  if (parts) {
    const [year, month, day, hour, minute, second] = parts;
    const at = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    // Date.UTC rolls 2026-02-30 over into March; a real calendar time survives the round trip.
    const exact =
      at.getUTCFullYear() === year &&
      at.getUTCMonth() === month - 1 &&
      at.getUTCDate() === day &&
      at.getUTCHours() === hour &&
      at.getUTCMinutes() === minute &&
      at.getUTCSeconds() === second;
    if (exact) return { ok: true, value: at.toISOString() };
  }
  return {
    ok: false,
    reason: `${JSON.stringify(text)} is not a UTC date-time as findings hold it (YYYY-MM-DD hh:mm:ss)`,
  };
}

/** A finding's value (always text) as the canonical model types it, or why it cannot be written. */
export function canonicalValueOf(entity: EntityKind, column: string, text: string): CanonicalText {
  switch (findColumn(entity, column)?.type) {
    case 'string':
      return { ok: true, value: text };
    case 'money': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, reason: `${JSON.stringify(text)} is not an amount` };
    }
    case 'bool':
      return text === '1' || text === 'true'
        ? { ok: true, value: true }
        : text === '0' || text === 'false'
          ? { ok: true, value: false }
          : { ok: false, reason: `${JSON.stringify(text)} is not a boolean` };
    case 'datetime':
      return findingDateTime(text);
    case 'uint64':
    case undefined:
      return { ok: false, reason: `${entity}.${column} is not a field Driftwatch writes` };
  }
}

/** A finding's value (always text) as the canonical model types it; undefined when it cannot be written. */
export function canonicalValue(entity: EntityKind, column: string, text: string): unknown {
  const typed = canonicalValueOf(entity, column, text);
  return typed.ok ? typed.value : undefined;
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
  const type = findColumn(entity, finding.field)?.type;
  if (type === undefined || type === 'uint64')
    return { ok: false, reason: `${what(finding)} is not a field Driftwatch writes` };
  const newValue = canonicalValueOf(entity, finding.field, finding.expectedValue);
  if (!newValue.ok) return { ok: false, reason: `${what(finding)}: the owner's value ${newValue.reason}` };
  const expectedOld = canonicalValueOf(entity, finding.field, finding.actualValue);
  if (!expectedOld.ok) return { ok: false, reason: `${what(finding)}: the value seen ${expectedOld.reason}` };
  return {
    ok: true,
    sourceKey,
    change: {
      field: canonicalPath(finding.field),
      column: finding.field,
      expectedOld: expectedOld.value,
      newValue: newValue.value,
    },
  };
}

const what = (finding: FindingForFix): string => `${finding.entity}.${finding.field}`;

/** Deterministic: the same finding, target and changes always give the same base key. */
export function baseKeyOf(findingId: string, targetSystem: string, changes: readonly FixupFieldChange[]): string {
  const changesHash = createHash('sha256').update(JSON.stringify(changes)).digest('hex');
  return createHash('sha256').update([findingId, targetSystem, changesHash].join('\u0000')).digest('hex').slice(0, 40);
}
