/**
 * Normalisers as ClickHouse expressions. They use only functions ClickHouse 18.16 has (no trim(),
 * no string-similarity functions), so the same SQL runs on old and current servers.
 */
import type { NormalizerName } from '../rules/rule.schema';
import { join, sql, type SqlFragment } from '../sql/sql-fragment';

const trim = (x: SqlFragment): SqlFragment => sql`replaceRegexpAll(${x}, ${'^\\s+|\\s+$'}, '')`;
const collapse = (x: SqlFragment): SqlFragment => sql`replaceRegexpAll(${x}, ${'\\s+'}, ' ')`;
const punctuationToSpace = (x: SqlFragment): SqlFragment => sql`replaceRegexpAll(${x}, ${'[[:punct:]]+'}, ' ')`;

/** Street-address tokens folded to one spelling (already lower-case, punctuation removed). */
const ADDRESS_TOKENS: readonly [string, string][] = [
  ['\\bstreet\\b', 'st'],
  ['\\bavenue\\b', 'ave'],
  ['\\broad\\b', 'rd'],
  ['\\bboulevard\\b', 'blvd'],
  ['\\bdrive\\b', 'dr'],
  ['\\blane\\b', 'ln'],
  ['\\bsuite\\b', 'ste'],
  ['\\bapartment\\b', 'apt'],
  ['\\bfloor\\b', 'fl'],
  ['\\bnorth\\b', 'n'],
  ['\\bsouth\\b', 's'],
  ['\\beast\\b', 'e'],
  ['\\bwest\\b', 'w'],
  ['stra(ss|ß)e\\b', 'str'],
];

/** Legal-form suffixes dropped from the end of a company name (repeatedly: "gmbh & co kg"). */
const COMPANY_SUFFIXES = [
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'llc',
  'llp',
  'ltd',
  'limited',
  'gmbh',
  'ag',
  'aktiengesellschaft',
  'kg',
  'ohg',
  'sa',
  'sas',
  'sarl',
  'srl',
  'spa',
  'bv',
  'nv',
  'plc',
  'pty',
  'ab',
  'oy',
];

function apply(x: SqlFragment, name: NormalizerName): SqlFragment {
  switch (name) {
    case 'trim':
      return trim(x);
    case 'lower':
      return sql`lowerUTF8(${x})`;
    case 'upper':
      return sql`upperUTF8(${x})`;
    case 'collapse_whitespace':
      return collapse(x);
    case 'remove_whitespace':
      return sql`replaceRegexpAll(${x}, ${'\\s+'}, '')`;
    case 'strip_punctuation':
      return sql`replaceRegexpAll(${x}, ${'[[:punct:]]+'}, '')`;
    case 'digits':
      return sql`replaceRegexpAll(${x}, ${'[^0-9]'}, '')`;
    case 'phone':
      // E.164 without the "+": digits only, the international "00" prefix dropped.
      return sql`replaceRegexpOne(replaceRegexpAll(${x}, ${'[^0-9]'}, ''), ${'^00'}, '')`;
    case 'email':
      return sql`lowerUTF8(${trim(x)})`;
    case 'address': {
      let out = punctuationToSpace(sql`lowerUTF8(${x})`);
      for (const [pattern, replacement] of ADDRESS_TOKENS)
        out = sql`replaceRegexpAll(${out}, ${pattern}, ${replacement})`;
      return trim(collapse(out));
    }
    case 'company_suffix': {
      // Dots go without a space first, so dotted legal forms read as written out: P.L.C. is plc, Inc. inc.
      const base = trim(collapse(punctuationToSpace(sql`replaceAll(lowerUTF8(${x}), '.', '')`)));
      const suffixes = `(\\s+(${COMPANY_SUFFIXES.join('|')}))+$`;
      return sql`replaceRegexpAll(${base}, ${suffixes}, '')`;
    }
  }
}

export function normalize(x: SqlFragment, names: readonly NormalizerName[]): SqlFragment {
  return names.reduce(apply, x);
}

/**
 * Maps aliases to their canonical value after normalising both (N30, "Net 30" → NET30); values not in
 * the map pass through. `indexOf` over literal arrays works on every server version.
 */
export function mapValues(
  x: SqlFragment,
  valueMap: Readonly<Record<string, readonly string[]>>,
  names: readonly NormalizerName[],
): SqlFragment {
  const aliases: SqlFragment[] = [];
  const canonical: SqlFragment[] = [];
  for (const [value, others] of Object.entries(valueMap)) {
    for (const alias of [value, ...others]) {
      aliases.push(normalize(sql`${alias}`, names));
      canonical.push(normalize(sql`${value}`, names));
    }
  }
  return sql`arrayElement(arrayPushFront([${join(canonical)}], ${x}), indexOf([${join(aliases)}], ${x}) + 1)`;
}

/**
 * Distinct character trigrams of a (normalised) string, padded like pg_trgm (two spaces before, one
 * after), each hashed to a UInt64: intersecting number arrays is much cheaper than string arrays, and
 * the join's hash table holds 8 bytes per trigram.
 */
export function trigrams(x: SqlFragment): SqlFragment {
  const chars = sql`extractAll(concat('  ', ${x}, ' '), '.')`;
  const slice = (from: number): SqlFragment => sql`arraySlice(${chars}, ${from}, length(${chars}) - 2)`;
  return sql`arrayDistinct(arrayMap((a, b, c) -> cityHash64(concat(a, b, c)), ${slice(1)}, ${slice(2)}, ${slice(3)}))`;
}
