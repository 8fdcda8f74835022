/**
 * The one row shape every compiled rule returns, so the backend can `INSERT INTO findings_history
 * SELECT …` any rule's query. Kind compilers produce an inner SELECT with `f_`-prefixed columns; the
 * wrapper casts them to the published types and adds the rule's identity.
 */
import { join, sql, type SqlFragment } from '../sql/sql-fragment';

export const FINDING_COLUMNS = [
  { name: 'rule_id', type: 'String' },
  { name: 'rule_version', type: 'UInt32' },
  { name: 'entity', type: 'String' },
  { name: 'match_key', type: 'String' },
  { name: 'field', type: 'String' },
  { name: 'kind', type: 'String' },
  { name: 'owner_system', type: 'String' },
  { name: 'expected_value', type: 'String' },
  { name: 'actual_system', type: 'String' },
  { name: 'actual_value', type: 'String' },
  { name: 'details', type: 'String' },
  { name: 'score', type: 'Float64' },
] as const;

export type FindingColumn = (typeof FINDING_COLUMNS)[number]['name'];

/** A finding row as JSONEachRow returns it. */
export interface FindingRow {
  rule_id: string;
  rule_version: number;
  entity: string;
  match_key: string;
  field: string;
  /** mismatch, missing, unexpected, orphan, duplicate, duplicate_candidate, hierarchy_mismatch, aggregate_mismatch, sla_breach, stale_snapshot, custom */
  kind: string;
  owner_system: string;
  expected_value: string;
  actual_system: string;
  actual_value: string;
  /** A JSON object. */
  details: string;
  score: number;
}

export const FINDING_KINDS = [
  'mismatch',
  'missing',
  'unexpected',
  'orphan',
  'duplicate',
  'duplicate_candidate',
  'hierarchy_mismatch',
  'aggregate_mismatch',
  'sla_breach',
  'stale_snapshot',
  'custom',
] as const;

/**
 * The kind of a row that is no finding: a rule with `settle` would report it, but its records changed
 * within the settle time, so the difference may still be on its way between the systems. A run keeps
 * the active finding of that id as it is (neither sighted again nor resolved) until the records have
 * settled; previews and backtests leave such rows out.
 */
export const UNSETTLED_KIND = 'unsettled';

export interface RuleIdentity {
  id: string;
  version: number;
  entity: string;
}

/** Wraps an inner query with f_match_key … f_score columns into the published finding shape. */
export function findingShape(rule: RuleIdentity, inner: SqlFragment): SqlFragment {
  return findingShapeOf({ id: sql`${rule.id}`, version: sql`${rule.version}`, entity: sql`${rule.entity}` }, inner);
}

/**
 * As findingShape, with the rule's identity given as expressions over the inner query's columns:
 * a fused query (several rules in one SELECT) names each row's rule itself.
 */
export function findingShapeOf(
  identity: { id: SqlFragment; version: SqlFragment; entity: SqlFragment },
  inner: SqlFragment,
): SqlFragment {
  return sql`SELECT
  ${identity.id} AS rule_id,
  toUInt32(${identity.version}) AS rule_version,
  ${identity.entity} AS entity,
  toString(f_match_key) AS match_key,
  toString(f_field) AS field,
  toString(f_kind) AS kind,
  toString(f_owner_system) AS owner_system,
  toString(f_expected_value) AS expected_value,
  toString(f_actual_system) AS actual_system,
  toString(f_actual_value) AS actual_value,
  toString(f_details) AS details,
  toFloat64(f_score) AS score
FROM (
${inner}
)`;
}

/** Several inner queries with identical columns as one. */
export function unionAll(parts: readonly SqlFragment[]): SqlFragment {
  if (parts.length === 1) return parts[0];
  return sql`SELECT * FROM (
${join(parts, '\nUNION ALL\n')}
)`;
}

/** A JSON string value built in SQL: quotes and backslashes escaped, control characters blanked. */
export function jsonString(x: SqlFragment): SqlFragment {
  const escaped = sql`replaceRegexpAll(replaceRegexpAll(${x}, ${'(["\\\\])'}, ${'\\\\\\1'}), ${'[\\x00-\\x1f]'}, ' ')`;
  return sql`concat('"', ${escaped}, '"')`;
}

export type JsonValue = { text: SqlFragment } | { number: SqlFragment } | { bool: SqlFragment };

/** A JSON object built in SQL from named string / number / boolean expressions. */
export function jsonObject(entries: Readonly<Record<string, JsonValue>>): SqlFragment {
  const args: SqlFragment[] = [];
  Object.entries(entries).forEach(([key, value], i) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(key)) throw new Error(`invalid JSON key ${key}`);
    args.push(sql`${`${i === 0 ? '{' : ','}"${key}":`}`);
    if ('text' in value) args.push(jsonString(value.text));
    else if ('number' in value) args.push(sql`toString(${value.number})`);
    else args.push(sql`if(${value.bool}, 'true', 'false')`);
  });
  if (args.length === 0) return sql`'{}'`;
  args.push(sql`'}'`);
  return sql`concat(${join(args)})`;
}
