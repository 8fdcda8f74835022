/**
 * presence: records of the system of record missing from another system (and, optionally, the
 * reverse), compared as narrow key sets (`NOT IN` over a UInt64 hash) so no wide column is read for
 * matching records; with `settle`, an absence whose present record changed within it before the
 * evaluation is held (UNSETTLED_KIND; source_updated_at, a system that sends none counts as settled).
 * Orphans (children whose parent is absent) are compiled in orphans.compiler.ts.
 */
import type { EntityKind } from '../model/entity-columns';
import { recordOwnerOf } from '../ownership/ownership';
import type { Duration, RecordFilter, RuleOfKind } from '../rules/rule.schema';
import { ident, join, list, sql, type SqlFragment } from '../sql/sql-fragment';
import type { ContextReader } from './compile-context';
import { jsonObject, unionAll, UNSETTLED_KIND } from './finding-row';
import { compileOrphans } from './orphans.compiler';

type PresenceRule = RuleOfKind<'presence'>;

/** The record filters that apply to `system`'s records as one condition, or undefined when there are none. */
export function filterCondition(filters: readonly RecordFilter[], system: string): SqlFragment | undefined {
  const parts = filters
    .filter((f) => f.systems === undefined || f.systems.includes(system))
    .map((f) =>
      f.in ? sql`${ident(f.field)} IN ${list(f.in)}` : sql`${ident(f.field)} NOT IN ${list(f.not_in ?? [])}`,
    );
  return parts.length === 0 ? undefined : join(parts, ' AND ');
}

/** The record filters that apply to `system` as ` AND …`, to append to a WHERE; empty when there are none. */
export function filterClause(filters: readonly RecordFilter[], system: string): SqlFragment {
  const condition = filterCondition(filters, system);
  return condition ? sql` AND ${condition}` : sql``;
}

function absent(
  reader: ContextReader,
  entity: EntityKind,
  matchField: string | undefined,
  from: string,
  notIn: string,
  kind: 'missing' | 'unexpected',
  owner: string,
  filters: readonly RecordFilter[],
  settle: Duration | undefined,
): SqlFragment {
  const key = reader.matchKey(entity, matchField);
  const hash = reader.matchKeyHash(entity, matchField);
  const other = kind === 'missing' ? notIn : from;
  const present = sql`entity_key`;
  const details = jsonObject({ present_in: { text: sql`${from}` }, absent_from: { text: sql`${notIn}` } });
  const kindOf =
    settle === undefined
      ? sql`${kind}`
      : sql`if(${reader.stillSettling(sql`toUInt32(source_updated_at)`, settle)}, ${UNSETTLED_KIND}, ${kind})`;
  return sql`SELECT ${key} AS f_match_key, '' AS f_field, ${kindOf} AS f_kind, ${owner} AS f_owner_system,
    ${kind === 'missing' ? present : sql`''`} AS f_expected_value, ${other} AS f_actual_system,
    ${kind === 'missing' ? sql`''` : present} AS f_actual_value, ${details} AS f_details, 1 AS f_score
  FROM ${reader.source(entity, from)}
  WHERE ${key} != ''${filterClause(filters, from)}
    AND ${hash} NOT IN (SELECT ${hash} FROM ${reader.source(entity, notIn)} WHERE ${key} != '')`;
}

export function compilePresence(rule: PresenceRule, reader: ContextReader): SqlFragment {
  const spec = rule.spec;
  if (spec.check === 'missing') {
    const source = spec.source ?? recordOwnerOf(reader.context.ownership, spec.entity);
    const parts = spec.targets.flatMap((target) => [
      absent(reader, spec.entity, spec.match_key, source, target, 'missing', source, spec.filter, spec.settle),
      ...(spec.both_directions
        ? [absent(reader, spec.entity, spec.match_key, target, source, 'unexpected', source, [], spec.settle)]
        : []),
    ]);
    return unionAll(parts);
  }
  return compileOrphans(spec, reader);
}
