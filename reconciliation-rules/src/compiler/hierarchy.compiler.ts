/**
 * hierarchy: a child's parent must be the same customer in every system. Each system's parent
 * reference is a key local to that system, so it is first resolved to the parent's match key (one
 * self-join per system), then the owner's resolved parent is compared with each other system's.
 * Only match keys with a parent reference in one of the two systems are read beyond their hashes,
 * and only the parents some record references; where the source is the current state, only those
 * records are merged. Without any reference, each read scans a column or two and finds nothing.
 */
import { ownerOf } from '../ownership/ownership';
import type { RuleOfKind } from '../rules/rule.schema';
import { ident, sql, type SqlFragment } from '../sql/sql-fragment';
import { RuleCompileError, type ContextReader } from './compile-context';
import { jsonObject, unionAll } from './finding-row';

type HierarchyRule = RuleOfKind<'hierarchy'>;

/**
 * One system's records of the candidate keys with their parent reference resolved to the parent's
 * match key. The parents are looked up by key_hash (the hash of the entity key a reference names);
 * the references come from every stored version, which can only add parents nobody asks for.
 */
function resolvedParents(
  reader: ContextReader,
  rule: HierarchyRule,
  system: string,
  prefix: 'o' | 'x',
  candidates: SqlFragment,
): SqlFragment {
  const { entity, match_key: matchField, parent_reference: reference } = rule.spec;
  const key = reader.matchKey(entity, matchField);
  const hash = reader.matchKeyHash(entity, matchField);
  const ref = ident(reference);
  const children = reader.sourceWhere(entity, system, sql`${hash} IN (${candidates})`);
  const parents = reader.keyedRows(
    entity,
    [system],
    [sql`entity_key AS f_parent_reference`, sql`${key} AS f_parent_match_key`],
    sql`SELECT cityHash64(${ref}) FROM ${reader.anyVersionRows(entity, system, sql`${ref} != ''`)}`,
  );
  return sql`SELECT f_match_key, ${ident(`${prefix}_entity_key`)}, ${ident(`${prefix}_parent_reference`)},
      f_parent_match_key AS ${ident(`${prefix}_parent`)}
    FROM (
      SELECT ${key} AS f_match_key, entity_key AS ${ident(`${prefix}_entity_key`)},
        ${ref} AS ${ident(`${prefix}_parent_reference`)}, ${ref} AS f_parent_reference
      FROM ${children} WHERE ${key} != ''
    ) ALL LEFT JOIN (${parents}) USING f_parent_reference`;
}

export function compileHierarchy(rule: HierarchyRule, reader: ContextReader): SqlFragment {
  const { entity, systems, match_key: matchField, parent_reference: reference } = rule.spec;
  const owner = rule.spec.owner ?? ownerOf(reader.context.ownership, entity, 'parent');
  if (!systems.includes(owner)) throw new RuleCompileError(rule.id, `parent owner ${owner} is not in spec.systems`);
  const details = jsonObject({
    owner_key: { text: sql`o_entity_key` },
    owner_parent_reference: { text: sql`o_parent_reference` },
    actual_key: { text: sql`x_entity_key` },
    actual_parent_reference: { text: sql`x_parent_reference` },
  });
  const key = reader.matchKey(entity, matchField);
  const hash = reader.matchKeyHash(entity, matchField);
  // A record without a parent reference in either system resolves to '' on both sides: it cannot
  // disagree, so only keys that have a reference somewhere are resolved and compared. Old versions
  // may add keys; those resolve to '' on both sides as well.
  const referencing = (system: string): SqlFragment =>
    sql`SELECT ${hash} FROM ${reader.anyVersionRows(entity, system, sql`${ident(reference)} != ''`)} WHERE ${key} != ''`;
  const parts = systems
    .filter((system) => system !== owner)
    .map((other) => {
      const candidates = sql`${referencing(owner)} UNION ALL ${referencing(other)}`;
      return sql`SELECT f_match_key, 'parent' AS f_field, 'hierarchy_mismatch' AS f_kind, ${owner} AS f_owner_system,
    o_parent AS f_expected_value, ${other} AS f_actual_system, x_parent AS f_actual_value, ${details} AS f_details, 1 AS f_score
  FROM (${resolvedParents(reader, rule, owner, 'o', candidates)})
  ALL INNER JOIN (${resolvedParents(reader, rule, other, 'x', candidates)})
  USING f_match_key
  WHERE o_parent != x_parent`;
    });
  return unionAll(parts);
}
