/**
 * field_match: each compared field's system of record against every other system of the rule.
 * The records of two systems are paired once per pair of systems, and every field either of them
 * owns is compared on that pairing (both directions in one pass). Fast path: when the context
 * allows it, a narrow join on (match-key hash, field_hash) finds the records that differ at all, and
 * only those records' compared columns are read, paired and normalised.
 */
import { expandField, findColumn, SYSTEM_LOCAL_COLUMNS, type EntityKind } from '../model/entity-columns';
import { ownerOf } from '../ownership/ownership';
import type { RuleOfKind } from '../rules/rule.schema';
import { array, ident, join, raw, sql, type SqlFragment } from '../sql/sql-fragment';
import { RuleCompileError, type ContextReader } from './compile-context';
import { columnsHash } from './columns-hash';
import { jsonObject, unionAll, UNSETTLED_KIND } from './finding-row';
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

/**
 * One compared column of a pairing whose `o_` columns are `first`'s and `x_` columns `second`'s: what
 * a finding of it says, and whether the pair's values differ. A fused query (several rules, one
 * pairing) tags it with its rule's 1-based index.
 */
interface Comparison {
  field: string;
  expected: SqlFragment;
  actual: SqlFragment;
  differs: SqlFragment;
  score: SqlFragment;
  ownerSystem: string;
  actualSystem: string;
  ownerKey: SqlFragment;
  actualKey: SqlFragment;
  /** With its rule's `settle`: whether the pair's change may still be on its way (see settlingOf). */
  settling?: SqlFragment;
  ruleIndex?: number;
}

/**
 * With a rule's `settle`, whether a pair's difference in a field may still be on its way
 * (source_updated_at; a system that sends none counts as settled): either record changed within the
 * settle time before the evaluation, or with `settle_on: owner`, the field owner's record did and is
 * the newer one (a copy changed on its own is drift at once).
 */
function settlingOf(
  reader: ContextReader,
  rule: FieldMatchRule,
  ownerPrefix: 'o' | 'x',
  actualPrefix: 'o' | 'x',
): SqlFragment | undefined {
  const { settle, settle_on: on } = rule.spec;
  if (settle === undefined) return undefined;
  const owner = sql`toUInt32(${ident(`${ownerPrefix}_source_updated_at`)})`;
  const copy = sql`toUInt32(${ident(`${actualPrefix}_source_updated_at`)})`;
  return on === 'owner'
    ? sql`(${reader.stillSettling(owner, settle)} AND ${owner} > ${copy})`
    : reader.stillSettling(sql`greatest(${owner}, ${copy})`, settle);
}

function comparison(
  reader: ContextReader,
  rule: FieldMatchRule,
  c: ComparedColumn,
  first: string,
  second: string,
  ruleIndex?: number,
): Comparison {
  const { entity } = rule.spec;
  const ownerIsFirst = c.owner === first;
  const [ownerPrefix, actualPrefix] = ownerIsFirst ? (['o', 'x'] as const) : (['x', 'o'] as const);
  const o = ident(`${ownerPrefix}_${c.column}`);
  const x = ident(`${actualPrefix}_${c.column}`);
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
  } else if (type === 'string') {
    // Byte-equal values normalise alike, so they are blanked before normalising: ClickHouse evaluates
    // every expression for every row, and the regex chains of normalisers cost microseconds a value.
    const blank = (v: SqlFragment): SqlFragment => sql`if(${o} = ${x}, '', ${v})`;
    differs = sql`${comparable(entity, c, blank(o))} != ${comparable(entity, c, blank(x))}`;
  } else {
    differs = sql`${o} != ${x}`;
  }
  return {
    field: c.column,
    expected: display(entity, c.column, o),
    actual: display(entity, c.column, x),
    differs,
    score: sql`toFloat64(${score})`,
    ownerSystem: c.owner,
    actualSystem: ownerIsFirst ? second : first,
    ownerKey: ident(`${ownerPrefix}_entity_key`),
    actualKey: ident(`${actualPrefix}_entity_key`),
    settling: settlingOf(reader, rule, ownerPrefix, actualPrefix),
    ruleIndex,
  };
}

/** The distinct compared columns, in rule order. */
const distinctColumns = (columns: readonly ComparedColumn[]): string[] => [...new Set(columns.map((c) => c.column))];

function side(
  reader: ContextReader,
  rule: FieldMatchRule,
  system: string,
  prefix: 'o' | 'x',
  columns: readonly string[],
) {
  const { entity, match_key: matchField } = rule.spec;
  const key = reader.matchKey(entity, matchField);
  const picked = columns.map((c) => sql`${ident(c)} AS ${ident(`${prefix}_${c}`)}`);
  return sql`SELECT ${key} AS f_match_key, entity_key AS ${ident(`${prefix}_entity_key`)}, ${join(picked)}
    FROM ${reader.source(entity, system)}
    WHERE ${key} != ''`;
}

/** Every record of `first` joined with every record of `second` of the same match key (no prefilter). */
function joinedPairs(reader: ContextReader, rule: FieldMatchRule, first: string, second: string, columns: string[]) {
  return sql`SELECT * FROM (${side(reader, rule, second, 'x', columns)})
    ALL INNER JOIN (${side(reader, rule, first, 'o', columns)})
    USING f_match_key`;
}

/**
 * What the narrow join compares; each covers every compared column. A rule comparing a system-local
 * reference: field_hash, over every canonical column. A customer rule: shared_hash, which leaves the
 * system-local parent_key out so two systems' copies can agree; both are written at insert, and a
 * customer's twenty columns make reading a rule's compared ones for every record dearer than the few
 * pairs a differing other column lets through. Another entity's rule: a hash of its few compared
 * columns at read time, since a shared column it does not compare may differ for every record (a
 * CRM stamping an order's status_changed_at itself, a CRM without payment terms).
 */
function narrowingHash(entity: EntityKind, compared: readonly string[]): SqlFragment {
  const local = SYSTEM_LOCAL_COLUMNS[entity];
  if (local.length === 0 || local.some((c) => compared.includes(c))) return sql`field_hash`;
  if (entity === 'customer') return sql`shared_hash`;
  return columnsHash(compared.map((name) => findColumn(entity, name) ?? { name, type: 'string' }));
}

/**
 * The fast path. (1) A narrow join of both systems on (match-key hash, narrowing hash) — hashes only —
 * yields the entity-key hashes of the records that differ at all. (2) Only those records are read with
 * their compared columns, both systems in one pass (the key set is built once), and (3) paired by
 * match key: each record of `first` with each record of `second` of its key, as the join without
 * prefilter pairs them. Records whose hashes agree hold equal values in every compared column, so
 * they cannot yield a finding.
 */
function prefilteredPairs(
  reader: ContextReader,
  rule: FieldMatchRule,
  first: string,
  second: string,
  compared: readonly string[],
  columns: string[],
): SqlFragment {
  const { entity, match_key: matchField } = rule.spec;
  const hash = reader.matchKeyHash(entity, matchField);
  const key = reader.matchKey(entity, matchField);
  const fieldHash = narrowingHash(entity, compared);
  const narrow = (system: string, prefix: 'o' | 'x'): SqlFragment =>
    sql`SELECT ${hash} AS f_key_hash, key_hash AS ${ident(`${prefix}_key_hash`)}, ${fieldHash} AS ${ident(`${prefix}_field_hash`)}
      FROM ${reader.source(entity, system)} WHERE ${key} != ''`;
  const differing = sql`SELECT arrayJoin([o_key_hash, x_key_hash]) FROM (${narrow(first, 'o')})
      ALL INNER JOIN (${narrow(second, 'x')}) USING f_key_hash WHERE o_field_hash != x_field_hash`;
  const rows = reader.keyedRows(
    entity,
    [first, second],
    [sql`${key} AS f_match_key`, sql`entity_key AS f_entity_key`, ...columns.map((c) => ident(c))],
    differing,
  );
  const record = sql`tuple(f_entity_key, ${join(columns.map((c) => ident(c)))})`;
  const unpack = (prefix: 'o' | 'x'): SqlFragment =>
    join([
      sql`${raw(`${prefix}.1`)} AS ${ident(`${prefix}_entity_key`)}`,
      ...columns.map((c, i) => sql`${raw(`${prefix}.${i + 2}`)} AS ${ident(`${prefix}_${c}`)}`),
    ]);
  return sql`SELECT f_match_key, ${unpack('o')}, ${unpack('x')}
    FROM (
      SELECT f_match_key, arrayJoin(f_first_records) AS o, f_second_records
      FROM (
        SELECT f_match_key, groupArrayIf(${record}, f_system = ${first}) AS f_first_records,
          groupArrayIf(${record}, f_system = ${second}) AS f_second_records
        FROM (${rows})
        WHERE f_match_key != ''
        GROUP BY f_match_key
      )
    )
    ARRAY JOIN f_second_records AS x`;
}

/**
 * Every pairing of a record of `first` with a record of `second` that may differ, with `columns` of
 * both, and their source_updated_at when some rule settles (`settles`).
 */
function pairsOf(
  reader: ContextReader,
  rule: FieldMatchRule,
  first: string,
  second: string,
  columns: string[],
  settles: boolean,
) {
  const read = settles ? [...columns, 'source_updated_at'] : columns;
  return reader.prefilter
    ? prefilteredPairs(reader, rule, first, second, columns, read)
    : joinedPairs(reader, rule, first, second, read);
}

/**
 * One row per comparison that differs. Each pair yields the 1-based indexes of its differing
 * comparisons (`f_k`, usually one), and only those rows pick their values: an array of every
 * comparison's values per pair, array-joined, copies each compared string ten times over. With
 * `tagged`, the comparisons' rule indexes are selected as `f_rule`.
 */
function differingComparisons(pairs: SqlFragment, comparisons: readonly Comparison[], tagged: boolean): SqlFragment {
  const pick = (of: (c: Comparison) => SqlFragment): SqlFragment => {
    const values = comparisons.map(of);
    if (new Set(values.map((v) => v.text)).size === 1) return values[0];
    return sql`multiIf(${join([
      ...values.slice(0, -1).flatMap((v, i) => [sql`f_k = ${i + 1}`, v]),
      values[values.length - 1],
    ])})`;
  };
  const constant = (of: (c: Comparison) => string | number): SqlFragment =>
    sql`arrayElement(${array(comparisons.map(of))}, f_k)`;
  const details = jsonObject({
    owner_key: { text: pick((c) => c.ownerKey) },
    actual_key: { text: pick((c) => c.actualKey) },
  });
  const rule = tagged ? sql`${constant((c) => c.ruleIndex ?? 0)} AS f_rule, ` : sql``;
  const flags = comparisons.map((c, i) => sql`if(${c.differs}, toUInt16(${i + 1}), toUInt16(0))`);
  // A difference between records still settling is held, not reported (UNSETTLED_KIND).
  const kind = comparisons.some((c) => c.settling)
    ? sql`if(${pick((c) => c.settling ?? sql`0`)}, ${UNSETTLED_KIND}, 'mismatch')`
    : sql`'mismatch'`;
  return sql`SELECT ${rule}f_match_key, ${constant((c) => c.field)} AS f_field, ${kind} AS f_kind,
    ${constant((c) => c.ownerSystem)} AS f_owner_system, ${pick((c) => c.expected)} AS f_expected_value,
    ${constant((c) => c.actualSystem)} AS f_actual_system, ${pick((c) => c.actual)} AS f_actual_value,
    ${details} AS f_details, ${pick((c) => c.score)} AS f_score
  FROM (
    SELECT *, arrayJoin(arrayFilter(k -> k != 0, [${join(flags)}])) AS f_k
    FROM (${pairs})
  )`;
}

/** Findings of one pairing of two systems: one row per compared field that differs, in either direction. */
function pairFindings(
  reader: ContextReader,
  rule: FieldMatchRule,
  first: string,
  second: string,
  compared: readonly ComparedColumn[],
): SqlFragment {
  const settles = rule.spec.settle !== undefined;
  const pairs = pairsOf(reader, rule, first, second, distinctColumns(compared), settles);
  return differingComparisons(
    pairs,
    compared.map((c) => comparison(reader, rule, c, first, second)),
    false,
  );
}

/** The pairings of a rule's systems, each with the compared columns it covers (none: no pairing). */
function pairings(
  systems: readonly string[],
  columns: readonly ComparedColumn[],
): { first: string; second: string; compared: ComparedColumn[] }[] {
  const out: { first: string; second: string; compared: ComparedColumn[] }[] = [];
  systems.forEach((first, i) => {
    for (const second of systems.slice(i + 1)) {
      // A field is compared between its owner and each other system: this pairing covers the fields either owns.
      const compared = columns.filter((c) => c.owner === first || c.owner === second);
      out.push({ first, second, compared });
    }
  });
  return out;
}

export function compileFieldMatch(rule: FieldMatchRule, reader: ContextReader): SqlFragment {
  const columns = comparedColumns(rule, reader);
  const parts = pairings(rule.spec.systems, columns)
    .filter((p) => p.compared.length > 0)
    .map((p) => pairFindings(reader, rule, p.first, p.second, p.compared));
  return unionAll(parts);
}

/**
 * Several field_match rules that read alike (same entity, systems in the same order, match key and
 * sources; see fieldMatchFusionKey) as one query: per pairing of systems, the records are found,
 * read and paired once — on the fast path one narrow (match-key hash, field_hash) join, one read of
 * the union of the rules' compared columns — and every rule's comparisons run on those pairs, each
 * tagged with the rule's 1-based index in `rules` (column `f_rule`) and judged with its own settle
 * time. The pairs do not depend on the columns read (nor on source_updated_at, read when some rule
 * settles), so each rule's rows are exactly those its own query returns. The caller checks that
 * the rules belong together; `reader` reads for all of them.
 */
export function compileFieldMatchFused(rules: readonly FieldMatchRule[], reader: ContextReader): SqlFragment {
  const [lead] = rules;
  const { systems } = lead.spec;
  const byRule = rules.map((rule) => pairings(systems, comparedColumns(rule, reader)));
  const parts: SqlFragment[] = [];
  pairings(systems, []).forEach(({ first, second }, p) => {
    const compared = byRule.flatMap((rulePairings, r) =>
      rulePairings[p].compared.map((column) => ({ column, ruleIndex: r + 1 })),
    );
    if (compared.length === 0) return;
    const settles = rules.some((rule) => rule.spec.settle !== undefined);
    const pairs = pairsOf(reader, lead, first, second, distinctColumns(compared.map((c) => c.column)), settles);
    const comparisons = compared.map((c) =>
      comparison(reader, rules[c.ruleIndex - 1], c.column, first, second, c.ruleIndex),
    );
    parts.push(differingComparisons(pairs, comparisons, true));
  });
  return unionAll(parts);
}
