/**
 * custom_sql: operator-written SELECT, validated (see custom-sql-validation.ts) before its
 * placeholders are replaced by the context's relations and it is wrapped into the finding shape.
 */
import { checkCustomSql, CUSTOM_SQL_OPTIONAL_COLUMNS } from '../rules/custom-sql-validation';
import type { RuleOfKind } from '../rules/rule.schema';
import { ident, raw, sql, type SqlFragment } from '../sql/sql-fragment';
import { RuleCompileError, type ContextReader } from './compile-context';

type CustomRule = RuleOfKind<'custom_sql'>;

const DEFAULTS: Record<(typeof CUSTOM_SQL_OPTIONAL_COLUMNS)[number], SqlFragment> = {
  field: sql`''`,
  owner_system: sql`''`,
  expected_value: sql`''`,
  actual_system: sql`''`,
  actual_value: sql`''`,
  details: sql`'{}'`,
  score: sql`1`,
};

export function compileCustomSql(rule: CustomRule, reader: ContextReader): SqlFragment {
  const text = rule.spec.sql.trim();
  const check = checkCustomSql(text);
  if (check.problems.length > 0)
    throw new RuleCompileError(rule.id, `custom SQL rejected: ${check.problems.join('; ')}`);
  let body = text;
  for (const placeholder of check.placeholders) {
    const relation =
      placeholder.entity === 'events' ? reader.events() : reader.source(placeholder.entity, placeholder.system ?? '');
    body = body.split(placeholder.text).join(relation.text);
  }
  const columns = CUSTOM_SQL_OPTIONAL_COLUMNS.map((column) => {
    const returned = new RegExp(`\\b${column}\\b`).test(text);
    return sql`${returned ? ident(column) : DEFAULTS[column]} AS ${ident(`f_${column}`)}`;
  });
  return sql`SELECT match_key AS f_match_key, ${columns[0]}, 'custom' AS f_kind, ${columns[1]}, ${columns[2]}, ${columns[3]},
    ${columns[4]}, ${columns[5]}, ${columns[6]}
  FROM (${raw(body)})`;
}
