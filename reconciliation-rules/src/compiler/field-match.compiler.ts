/**
 * field_match: each compared field's system of record against every other system of the rule.
 * Fast path: when the context allows it, a narrow join on (match-key hash, field_hash) finds the keys
 * whose records differ at all, and only those keys' compared columns are read and normalised.
 */
import { expandField, findColumn, type EntityKind } from '../model/entity-columns';
import { ownerOf } from '../ownership/ownership';
import type { RuleOfKind } from '../rules/rule.schema';
import { ident, join, sql, type SqlFragment } from '../sql/sql-fragment';
import { RuleCompileError, type ContextReader } from './compile-context';
import { jsonObject, unionAll } from './finding-row';
import { mapValues, normalize } from './normalizers';

type FieldMatchRule = RuleOfKind<'field_match'>;
type FieldSpec = FieldMatchRule['spec']['fields'][number];

interface ComparedColumn {
  column: string;
  spec: FieldSpec;
  owner: string;
}

function comparedColumns(rule: FieldMatchRule, reader: ContextReader): ComparedColumn[] {
  const { entity, systems } = rule.spec;
  return rule.spec.fields.flatMap((spec) =>
    expandField(spec.field).map((column) => {
      const owner = spec.owner ?? ownerOf(reader.context.ownership, entity, column);
      if (!systems.includes(owner)) {
        throw new RuleCompileError(rule.id, `${entity}.${column} is owned by ${owner}, which is not in spec.systems`);
      }
      return { column, spec, owner };
    }),
  );
}

/** The value compared for one side: normalised and mapped text, or the number/date itself. */
function comparable(entity: EntityKind, c: ComparedColumn, x: SqlFragment): SqlFragment {
  const type = findColumn(entity, c.column)?.type;
  if (type !== 'string') return x;
  const normalized = normalize(x, c.spec.normalize);
  return c.spec.value_map ? mapValues(normalized, c.spec.value_map, c.spec.normalize) : normalized;
}

function display(entity: EntityKind, column: string, x: SqlFragment): SqlFragment {
  const type = findColumn(entity, column)?.type;
  return type === 'datetime' ? sql`toString(${x}, 'UTC')` : sql`toString(${x})`;
}

/** tuple(field, expected, actual, differs, score) for one compared column. */
function comparison(entity: EntityKind, c: ComparedColumn): SqlFragment {
  const o = ident(`o_${c.column}`);
  const x = ident(`x_${c.column}`);
  const type = findColumn(entity, c.column)?.type;
  let differs: SqlFragment;
  let score: SqlFragment = sql`1`;
  const tolerance = c.spec.tolerance;
  if (tolerance && (type === 'money' || type === 'datetime' || type === 'uint64')) {
    const a = type === 'datetime' ? sql`toFloat64(toUInt32(${o}))` : sql`toFloat64(${o})`;
    const b = type === 'datetime' ? sql`toFloat64(toUInt32(${x}))` : sql`toFloat64(${x})`;
    const allowed = sql`greatest(${tolerance.absolute ?? 0}, ${tolerance.relative ?? 0} * greatest(abs(${a}), abs(${b})))`;
    // Rounded so that binary floating point (50000.01 - 50000 = 0.0100000000020) does not break a tolerance.
    differs = sql`round(abs(${a} - ${b}), 6) > ${allowed}`;
    score = sql`abs(${a} - ${b})`;
  } else {
    differs = sql`${comparable(entity, c, o)} != ${comparable(entity, c, x)}`;
  }
  return sql`tuple(${c.column}, ${display(entity, c.column, o)}, ${display(entity, c.column, x)}, toUInt8(${differs}), toFloat64(${score}))`;
}

function side(
  reader: ContextReader,
  rule: FieldMatchRule,
  system: string,
  prefix: 'o' | 'x',
  columns: readonly ComparedColumn[],
  candidates: SqlFragment | undefined,
): SqlFragment {
  const { entity, match_key: matchField } = rule.spec;
  const key = reader.matchKey(entity, matchField);
  const picked = columns.map((c) => sql`${ident(c.column)} AS ${ident(`${prefix}_${c.column}`)}`);
  const restrict = candidates ? sql` AND ${reader.matchKeyHash(entity, matchField)} IN (${candidates})` : sql``;
  return sql`SELECT ${key} AS f_match_key, entity_key AS ${ident(`${prefix}_entity_key`)}, ${join(picked)}
    FROM ${reader.source(entity, system)}
    WHERE ${key} != ''${restrict}`;
}

/**
 * The owner's side, restricted to the candidate keys, is the right-hand (hashed) side of the join, so
 * the candidate join runs once and the other system's compared columns are only streamed past it.
 */
function pair(reader: ContextReader, rule: FieldMatchRule, owner: string, other: string, columns: ComparedColumn[]) {
  const { entity, match_key: matchField } = rule.spec;
  let candidates: SqlFragment | undefined;
  if (reader.prefilter) {
    const hash = reader.matchKeyHash(entity, matchField);
    const key = reader.matchKey(entity, matchField);
    const narrow = (system: string, alias: string): SqlFragment =>
      sql`SELECT ${hash} AS f_key_hash, field_hash AS ${ident(alias)} FROM ${reader.source(entity, system)} WHERE ${key} != ''`;
    candidates = sql`SELECT f_key_hash FROM (${narrow(owner, 'o_field_hash')}) ALL INNER JOIN (${narrow(other, 'x_field_hash')}) USING f_key_hash WHERE o_field_hash != x_field_hash`;
  }
  const details = jsonObject({
    owner_key: { text: sql`o_entity_key` },
    actual_key: { text: sql`x_entity_key` },
  });
  return sql`SELECT f_match_key, c.1 AS f_field, 'mismatch' AS f_kind, ${owner} AS f_owner_system, c.2 AS f_expected_value,
    ${other} AS f_actual_system, c.3 AS f_actual_value, ${details} AS f_details, c.5 AS f_score
  FROM (
    SELECT f_match_key, o_entity_key, x_entity_key, [${join(columns.map((c) => comparison(entity, c)))}] AS f_comparisons
    FROM (${side(reader, rule, other, 'x', columns, undefined)})
    ALL INNER JOIN (${side(reader, rule, owner, 'o', columns, candidates)})
    USING f_match_key
  )
  ARRAY JOIN f_comparisons AS c
  WHERE c.4 = 1`;
}

export function compileFieldMatch(rule: FieldMatchRule, reader: ContextReader): SqlFragment {
  const columns = comparedColumns(rule, reader);
  const owners = [...new Set(columns.map((c) => c.owner))];
  const parts = owners.flatMap((owner) =>
    rule.spec.systems
      .filter((system) => system !== owner)
      .map((other) =>
        pair(
          reader,
          rule,
          owner,
          other,
          columns.filter((c) => c.owner === owner),
        ),
      ),
  );
  return unionAll(parts);
}
