/**
 * duplicates: records within one system that share exact normalised keys, and candidate pairs whose
 * normalised names have a trigram Jaccard similarity above a threshold. Fuzzy pairs are only formed
 * inside blocks (e.g. country + first word of the name) of bounded size, so the work grows with the
 * sum of squared block sizes, not with the square of the table. A pair whose `distinct_if_different`
 * key (a tax id) is filled on both records and differs is two entities however alike their names, and
 * is dropped before its similarity is computed, and so is a pair sharing a filled exact key (the exact
 * pass reports it: one finding per pair, not one per pass that found it). The rule's `filter` (the presence
 * rule's record filter, e.g. leaving out retired records) applies to every record read, before keys,
 * blocks or pairs are formed.
 */
import type { NormalizerName, RuleOfKind } from '../rules/rule.schema';
import { ident, join, sql, uint, type SqlFragment } from '../sql/sql-fragment';
import type { ContextReader } from './compile-context';
import { jsonObject, unionAll } from './finding-row';
import { normalize, trigrams } from './normalizers';
import { filterClause, filterCondition } from './presence.compiler';

type DuplicatesRule = RuleOfKind<'duplicates'>;
type FuzzySpec = NonNullable<DuplicatesRule['spec']['fuzzy']>;
type Blocking = FuzzySpec['blocking'][number];

/** A record's normalised key of several fields as one text ('' when any field is empty). */
function distinctKey(fields: readonly string[], names: readonly NormalizerName[]): SqlFragment {
  const keys = fields.map((field) => normalize(ident(field), names));
  if (keys.length === 1) return keys[0];
  const filled = join(
    keys.map((key) => sql`${key} != ''`),
    ' AND ',
  );
  return sql`if(${filled}, concat(${join(keys, ", ' | ', ")}), '')`;
}

function exactPairs(
  reader: ContextReader,
  rule: DuplicatesRule,
  system: string,
  fields: readonly string[],
  names: readonly NormalizerName[],
) {
  const keys = fields.map((field) => normalize(ident(field), names));
  const aliases = fields.map((_, i) => ident(`f_key_${i}`));
  const picked = keys.map((key, i) => sql`${key} AS ${aliases[i]}`);
  const nonEmpty = join(
    aliases.map((alias) => sql`${alias} != ''`),
    ' AND ',
  );
  const keyText = fields.length === 1 ? aliases[0] : sql`concat(${join(aliases, ", ' | ', ")})`;
  const details = jsonObject({ key: { text: sql`f_key` }, group_size: { number: sql`f_group_size` } });
  const relation = reader.source(rule.spec.entity, system);
  const condition = filterCondition(rule.spec.filter, system);
  const where = condition ? sql` WHERE ${condition}` : sql``;
  const keyHash = sql`cityHash64(${join(aliases)})`;
  // Almost every key is unique. Grouping every record by its string key and collecting its entity
  // keys costs a hash table of strings and an array per record; instead, first find the 64-bit hashes
  // of keys seen more than once (a narrow UInt64 aggregation), then group by the exact keys only the
  // records whose hash is among them. A hash collision only lets a few extra records into the exact
  // grouping, whose HAVING drops them again, so the result is the same.
  return sql`SELECT concat(f_keys[1], ' | ', f_other) AS f_match_key, ${fields.join('+')} AS f_field, 'duplicate' AS f_kind,
    ${system} AS f_owner_system, f_keys[1] AS f_expected_value, ${system} AS f_actual_system, f_other AS f_actual_value,
    ${details} AS f_details, 1 AS f_score
  FROM (
    SELECT any(${keyText}) AS f_key, arraySort(groupArray(entity_key)) AS f_keys, count() AS f_group_size
    FROM (SELECT entity_key, ${join(picked)} FROM ${relation}${where})
    WHERE ${nonEmpty} AND ${keyHash} IN (
      SELECT ${keyHash} AS f_key_hash FROM (SELECT ${join(picked)} FROM ${relation}${where})
      WHERE ${nonEmpty}
      GROUP BY f_key_hash
      HAVING count() > 1
    )
    GROUP BY ${join(aliases)}
    HAVING f_group_size > 1
  )
  ARRAY JOIN arraySlice(f_keys, 2) AS f_other`;
}

function blockKey(blocking: Blocking, name: SqlFragment): { key: SqlFragment; nonEmpty: SqlFragment } {
  const parts = blocking.fields.map((field) => sql`lowerUTF8(${ident(field)})`);
  if (blocking.first_token_of) parts.push(sql`arrayElement(splitByChar(' ', ${name}), 1)`);
  return {
    key: parts.length === 1 ? parts[0] : sql`concat(${join(parts, ", '\\x1f', ")})`,
    nonEmpty: join(
      parts.map((p) => sql`${p} != ''`),
      ' AND ',
    ),
  };
}

/**
 * Candidate pairs of one system, all blocking passes in one self-join. Each record is read and
 * normalised once per side and put in one block per pass (the pass number and a colon prefix the
 * block key, so passes never mix), instead of once per pass and side. Blocks outside
 * 2..max_block_size are skipped. Trigram signatures are computed per record before the join, never
 * per pair. Both sides stream from the table scan, so the join emits pairs chunk by chunk (unnesting
 * grouped blocks instead would put a whole system in one chunk and its pairs in memory at once).
 */
function fuzzyPairs(reader: ContextReader, rule: DuplicatesRule, system: string, fuzzy: FuzzySpec): SqlFragment {
  const relation = reader.source(rule.spec.entity, system);
  const value = normalize(ident(fuzzy.field), fuzzy.normalize);
  // The first token comes from the company-name-style normalisation of the fuzzy field.
  const passes = fuzzy.blocking.map((blocking, pass) => {
    const block = blockKey(blocking, sql`f_value`);
    return sql`if(${block.nonEmpty}, concat(${`${pass}:`}, ${block.key}), '')`;
  });
  const keyColumns = (keys: readonly { fields: string[]; normalize: NormalizerName[] }[], prefix: string) =>
    keys.map((key, i) => ({
      value: distinctKey(key.fields, key.normalize),
      of: (n: 0 | 1 | 2) => ident(n === 0 ? `${prefix}_${i}` : `${prefix}_${i}_${n}`),
    }));
  const distinct = keyColumns(fuzzy.distinct_if_different, 'f_distinct');
  // A pair sharing a filled exact key is the exact pass's finding already: one finding per pair.
  const exact = keyColumns(rule.spec.exact, 'f_exact');
  const compared = [...distinct, ...exact];
  const records = sql`SELECT entity_key, ${value} AS f_value, arrayFilter(b -> b != '', [${join(passes)}]) AS f_blocks${join(
    compared.map((d) => sql`, ${d.value} AS ${d.of(0)}`),
    '',
  )}
    FROM ${relation}
    WHERE f_value != ''${filterClause(rule.spec.filter, system)}`;
  const sized = sql`SELECT f_block FROM (${records}) ARRAY JOIN f_blocks AS f_block
    GROUP BY f_block HAVING count() BETWEEN 2 AND ${uint(fuzzy.max_block_size)}`;
  const sideOf = (n: 1 | 2): SqlFragment =>
    sql`SELECT f_block, entity_key AS ${ident(`f_key_${n}`)}, f_value AS ${ident(`f_value_${n}`)}, ${trigrams(sql`f_value`)} AS ${ident(`f_grams_${n}`)}${join(
      compared.map((d) => sql`, ${d.of(0)} AS ${d.of(n)}`),
      '',
    )}
      FROM (${records}) ARRAY JOIN f_blocks AS f_block WHERE f_block IN (${sized})`;
  const notDistinct = join(
    [
      ...distinct.map((d) => sql` AND NOT (${d.of(1)} != '' AND ${d.of(2)} != '' AND ${d.of(1)} != ${d.of(2)})`),
      ...exact.map((d) => sql` AND NOT (${d.of(1)} != '' AND ${d.of(1)} = ${d.of(2)})`),
    ],
    '',
  );
  // Pairs are ordered and pruned by length first (Jaccard >= t needs |A| >= t * |B|), so the
  // intersection is computed only for pairs that can still reach the threshold.
  return sql`SELECT f_key_1, f_key_2, f_value_1, f_value_2,
      length(arrayIntersect(f_grams_1, f_grams_2)) AS f_shared,
      f_shared / (length(f_grams_1) + length(f_grams_2) - f_shared) AS f_similarity
    FROM (
      SELECT f_key_1, f_key_2, f_value_1, f_value_2, f_grams_1, f_grams_2
      FROM (${sideOf(1)}) ALL INNER JOIN (${sideOf(2)}) USING f_block
      WHERE f_key_1 < f_key_2${notDistinct}
        AND least(length(f_grams_1), length(f_grams_2)) >= ${fuzzy.threshold} * greatest(length(f_grams_1), length(f_grams_2))
    )
    WHERE f_similarity >= ${fuzzy.threshold}`;
}

function fuzzyFindings(reader: ContextReader, rule: DuplicatesRule, system: string, fuzzy: FuzzySpec): SqlFragment {
  const details = jsonObject({ value_1: { text: sql`f_value_1` }, value_2: { text: sql`f_value_2` } });
  return sql`SELECT concat(f_key_1, ' | ', f_key_2) AS f_match_key, ${fuzzy.field} AS f_field, 'duplicate_candidate' AS f_kind,
    ${system} AS f_owner_system, f_key_1 AS f_expected_value, ${system} AS f_actual_system, f_key_2 AS f_actual_value,
    ${details} AS f_details, f_score
  FROM (
    SELECT f_key_1, f_key_2, any(f_value_1) AS f_value_1, any(f_value_2) AS f_value_2, max(f_similarity) AS f_score
    FROM (${fuzzyPairs(reader, rule, system, fuzzy)})
    GROUP BY f_key_1, f_key_2
  )`;
}

export function compileDuplicates(rule: DuplicatesRule, reader: ContextReader): SqlFragment {
  const parts = rule.spec.systems.flatMap((system) => [
    ...rule.spec.exact.map((key) => exactPairs(reader, rule, system, key.fields, key.normalize)),
    ...(rule.spec.fuzzy ? [fuzzyFindings(reader, rule, system, rule.spec.fuzzy)] : []),
  ]);
  return unionAll(parts);
}
