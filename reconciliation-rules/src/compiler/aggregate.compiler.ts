/**
 * aggregate: a per-customer total computed in two systems (e.g. open order value in the ERP and the
 * exposure the CRM shows) must agree within a tolerance. A customer absent on one side counts as 0.
 * With `settle`, a group whose records either system changed within it before the evaluation is held
 * (UNSETTLED_KIND) instead of reported: its totals may still be converging.
 */
import { findColumn } from '../model/entity-columns';
import type { AggregateSide, RuleOfKind } from '../rules/rule.schema';
import { ident, raw, sql, type SqlFragment } from '../sql/sql-fragment';
import type { ContextReader } from './compile-context';
import { jsonObject, UNSETTLED_KIND } from './finding-row';
import { filterClause, filterCondition } from './presence.compiler';

type AggregateRule = RuleOfKind<'aggregate'>;

const AGGREGATE_FUNCTIONS: Record<AggregateSide['function'], string> = {
  sum: 'sum',
  count: 'count',
  max: 'max',
  min: 'min',
};

function total(reader: ContextReader, side: AggregateSide, alias: string, settles: boolean): SqlFragment {
  const key = ident(side.group_by ?? 'customer_number');
  const field = side.field ? ident(side.field) : undefined;
  const value =
    field && findColumn(side.entity, side.field ?? '')?.type === 'datetime' ? sql`toUInt32(${field})` : field;
  const records = ident(`${alias}_records`);
  if (!settles) {
    const measure =
      side.function === 'count' || !value
        ? sql`count()`
        : sql`${raw(AGGREGATE_FUNCTIONS[side.function])}(toFloat64(${value}))`;
    return sql`SELECT ${key} AS f_match_key, toFloat64(${measure}) AS ${ident(alias)}, count() AS ${records}
    FROM ${reader.source(side.entity, side.system)}
    WHERE ${key} != ''${filterClause(side.filter, side.system)}
    GROUP BY f_match_key`;
  }
  // Every record of the group counts for when it last changed; only those the filters keep count for
  // the total (-If combinators), so a record that just left the filtered set still holds its group.
  const kept = filterCondition(side.filter, side.system) ?? sql`1`;
  const measure =
    side.function === 'count' || !value
      ? sql`countIf(${kept})`
      : sql`${raw(AGGREGATE_FUNCTIONS[side.function])}If(toFloat64(${value}), ${kept})`;
  return sql`SELECT ${key} AS f_match_key, toFloat64(${measure}) AS ${ident(alias)}, countIf(${kept}) AS ${records},
      max(toUInt32(source_updated_at)) AS ${ident(`${alias}_changed`)}
    FROM ${reader.source(side.entity, side.system)}
    WHERE ${key} != ''
    GROUP BY f_match_key`;
}

export function compileAggregate(rule: AggregateRule, reader: ContextReader): SqlFragment {
  const { expected, actual, tolerance, measure, settle } = rule.spec;
  const settles = settle !== undefined;
  const kind = settles
    ? sql`if(${reader.stillSettling(sql`greatest(f_expected_changed, f_actual_changed)`, settle)}, ${UNSETTLED_KIND}, 'aggregate_mismatch')`
    : sql`'aggregate_mismatch'`;
  const allowed = sql`greatest(${tolerance.absolute ?? 0}, ${tolerance.relative ?? 0} * greatest(abs(f_expected), abs(f_actual)))`;
  const details = jsonObject({
    difference: { number: sql`f_actual - f_expected` },
    expected_records: { number: sql`f_expected_records` },
    actual_records: { number: sql`f_actual_records` },
  });
  return sql`SELECT f_match_key, ${measure} AS f_field, ${kind} AS f_kind, ${expected.system} AS f_owner_system,
    f_expected AS f_expected_value, ${actual.system} AS f_actual_system, f_actual AS f_actual_value,
    ${details} AS f_details, abs(f_actual - f_expected) AS f_score
  FROM (${total(reader, expected, 'f_expected', settles)})
  ALL FULL OUTER JOIN (${total(reader, actual, 'f_actual', settles)})
  USING f_match_key
  WHERE round(abs(f_actual - f_expected), 6) > ${allowed}`;
}
