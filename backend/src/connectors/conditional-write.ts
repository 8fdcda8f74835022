/**
 * What a connector does when a conditional write is refused because the record changed since it was
 * read (a 412 to `If-Match` / `If-Unmodified-Since`, Tryton's ConcurrencyException on `_timestamp`).
 *
 * Those preconditions guard the whole record, not the fields written: when two fix-ups of one record
 * (a shipment's milestone and its time, a customer's name and credit limit) are in flight in batches
 * side by side, the first write moves the record's stamp and the second is refused although none of
 * its fields changed. So the refused change is decided from the record as it is now:
 * - every field holds the new value → `already_applied` (our own earlier attempt whose answer was
 *   lost, or the same edit made elsewhere);
 * - the fields it writes still hold what it expects (`planApply` would write) → planned and written
 *   again, with a fresh precondition, up to `PRECONDITION_REWRITES` times;
 * - anything else (one of its fields was edited, the record is gone) → `conflict`.
 * The precondition mechanics (headers, versions, what counts as refused) stay in each connector.
 */
import type { CanonicalRecord, EntityKind } from './canonical-model';
import type { ApplyResult, RecordChange } from './connector';
import { planApply } from './mapping/apply-plan';
import { getPath, sameValue, type EntityMapper } from './mapping/entity-mapping';

/**
 * Writes again after a refusal that changed none of the written fields. Each round at least one of
 * the fix-ups racing for a record gets in, so a record's few field fix-ups all land; a record edited
 * that often meanwhile is a conflict for a person.
 */
export const PRECONDITION_REWRITES = 3;

/** The target refused a conditional write: the record changed since it was read. */
export interface PreconditionFailed {
  /** Why, in the connector's words (e.g. `… (412 Precondition Failed)`); a conflict's reason. */
  preconditionFailed: string;
}

/** The answer to one conditional write: an outcome, or the target's refusal. */
export type WriteAttempt = ApplyResult | PreconditionFailed;

export const preconditionFailed = (reason: string): PreconditionFailed => ({ preconditionFailed: reason });

const isPreconditionFailed = (attempt: WriteAttempt): attempt is PreconditionFailed => 'preconditionFailed' in attempt;

/** How a connector reads, plans and writes conditionally; `writeConditionally` drives it. */
export interface ConditionalWrites {
  /**
   * Reads the changes' records, plans each (`planApply`) and writes it conditional on the record as
   * read; one answer per change, in order.
   */
  write(changes: RecordChange[]): Promise<WriteAttempt[]>;
  /** The changes' records as they are now, in order; undefined for one that is gone or unreadable. */
  reread(changes: RecordChange[]): Promise<(CanonicalRecord | undefined)[]>;
  /** The mapper a change of this entity is planned with. */
  mapper(entity: EntityKind): EntityMapper<EntityKind>;
}

/** The decision on a refused change, from its record as it is now. */
export type AfterPreconditionFailed = ApplyResult | { writeAgain: true };

/** The values the change's fields hold in `record`. */
export function currentValuesOf(change: RecordChange, record: CanonicalRecord): Record<string, unknown> {
  return Object.fromEntries(change.changes.map((c) => [c.field, getPath(record.fields, c.field)]));
}

export function afterPreconditionFailed(
  mapper: EntityMapper<EntityKind>,
  change: RecordChange,
  current: CanonicalRecord | undefined,
  refusal: PreconditionFailed,
): AfterPreconditionFailed {
  const reason = refusal.preconditionFailed;
  if (!current) return { outcome: 'conflict', reason: `${reason}; the record is gone` };
  const currentValues = currentValuesOf(change, current);
  if (change.changes.every((c) => sameValue(currentValues[c.field], c.newValue)))
    return { outcome: 'already_applied', reason: 'the target holds the new values' };
  if (planApply(mapper, change, current).kind === 'write') return { writeAgain: true };
  return { outcome: 'conflict', reason, currentValues };
}

/**
 * Writes the changes through `writes` and decides every refused one from a re-read: in, conflict, or
 * written again (`rewrites` more rounds at most; still refused after them → conflict).
 */
export async function writeConditionally(
  changes: RecordChange[],
  writes: ConditionalWrites,
  rewrites = PRECONDITION_REWRITES,
): Promise<ApplyResult[]> {
  const results = new Array<ApplyResult>(changes.length);
  let pending = changes.map((_, index) => index);
  for (let round = 0; pending.length > 0; round++) {
    const attempts = await writes.write(pending.map((i) => changes[i]));
    const refused: { index: number; refusal: PreconditionFailed }[] = [];
    pending.forEach((index, n) => {
      const attempt = attempts[n];
      if (isPreconditionFailed(attempt)) refused.push({ index, refusal: attempt });
      else results[index] = attempt;
    });
    if (refused.length === 0) break;
    const current = await writes.reread(refused.map(({ index }) => changes[index]));
    pending = [];
    refused.forEach(({ index, refusal }, n) => {
      const change = changes[index];
      const decided = afterPreconditionFailed(writes.mapper(change.entity), change, current[n], refusal);
      if (!('writeAgain' in decided)) results[index] = decided;
      else if (round < rewrites) pending.push(index);
      else
        results[index] = {
          outcome: 'conflict',
          reason: `${refusal.preconditionFailed}; refused ${round + 1} times, the record kept changing`,
          currentValues: currentValuesOf(change, current[n]!),
        };
    });
  }
  return results;
}
