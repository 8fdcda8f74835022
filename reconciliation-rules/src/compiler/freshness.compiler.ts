/**
 * freshness: a system whose last complete snapshot is older than allowed (or that never completed
 * one). The times come from the context (snapshot runs live in Postgres), as literal values.
 */
import { durationSeconds, type RuleOfKind } from '../rules/rule.schema';
import { join, sql, type SqlFragment } from '../sql/sql-fragment';
import type { ContextReader } from './compile-context';
import { jsonObject } from './finding-row';

type FreshnessRule = RuleOfKind<'freshness'>;

export function compileFreshness(rule: FreshnessRule, reader: ContextReader): SqlFragment {
  const maxAge = durationSeconds(rule.spec.max_age);
  const asOf = reader.asOf();
  const rows = rule.spec.systems.map((system) => {
    const last = reader.context.lastComplete?.[system] ?? null;
    return last ? sql`tuple(${system}, ${last}, 1)` : sql`tuple(${system}, toDateTime(0, 'UTC'), 0)`;
  });
  const details = jsonObject({
    last_complete: { text: sql`if(f_known = 1, toString(f_last, 'UTC'), '')` },
    age_seconds: { number: sql`f_age` },
    max_age_seconds: { number: sql`${maxAge}` },
  });
  return sql`SELECT f_system AS f_match_key, 'last_complete_snapshot' AS f_field, 'stale_snapshot' AS f_kind, f_system AS f_owner_system,
    ${`within ${maxAge}s`} AS f_expected_value, f_system AS f_actual_system,
    if(f_known = 1, toString(f_last, 'UTC'), 'never') AS f_actual_value, ${details} AS f_details, f_age AS f_score
  FROM (
    SELECT arrayJoin([${join(rows)}]) AS f_row, f_row.1 AS f_system, f_row.2 AS f_last, f_row.3 AS f_known,
      toInt64(${asOf}) - toInt64(f_last) AS f_age
  )
  WHERE f_known = 0 OR f_age > ${maxAge}`;
}
