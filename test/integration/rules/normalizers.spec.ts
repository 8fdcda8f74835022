/**
 * The SQL normalisers, trigram similarity and JSON details builder, evaluated by the real ClickHouse
 * over column values (as rules use them), including hostile strings.
 */
import { ident, join, sql, type NormalizerName } from '@driftwatch/reconciliation-rules';
import { jsonObject } from '../../../reconciliation-rules/src/compiler/finding-row';
import { mapValues, normalize, trigrams } from '../../../reconciliation-rules/src/compiler/normalizers';
import { INJECTION_STRINGS } from '../../fixtures/injection-strings';
import { isolatedClickHouse } from '../support/test-services';

describe('rule normalisers on the real ClickHouse', () => {
  let clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>;
  let row = 0;

  beforeAll(async () => {
    clickhouse = await isolatedClickHouse();
    await clickhouse.command(sql`CREATE TABLE samples (id UInt32, a String, b String) ENGINE = MergeTree ORDER BY id`, {
      tag: 'test.create',
    });
  });

  afterAll(async () => {
    await clickhouse.drop();
  });

  /** Inserts the values as rows and evaluates `expression(column)` for each, in order. */
  async function evaluate(values: string[], expression: (column: ReturnType<typeof ident>) => ReturnType<typeof sql>) {
    const first = row;
    const tuples = values.map((value) => sql`(${row++}, ${value}, '')`);
    await clickhouse.command(sql`INSERT INTO samples VALUES ${join(tuples)}`, { tag: 'test.insert' });
    const rows = await clickhouse.query<{ v: unknown }>(
      sql`SELECT ${expression(ident('a'))} AS v FROM samples WHERE id >= ${first} AND id < ${row} ORDER BY id`,
      { tag: 'test.normalize' },
    );
    return rows.map((r) => r.v);
  }

  it.each<[NormalizerName[], string[], string[]]>([
    [['trim'], ['  a b  ', '\tx\n'], ['a b', 'x']],
    [['lower', 'collapse_whitespace'], ['ÄBC   Déf'], ['äbc déf']],
    [['remove_whitespace', 'upper'], ['ls1 4ap'], ['LS14AP']],
    [['strip_punctuation'], ['C.O.D.', "O'Brien-Smith"], ['COD', 'OBrienSmith']],
    [['phone'], ['+1 (555) 010-2000', '001 555 010 2000', '0049 89 1234'], ['15550102000', '15550102000', '49891234']],
    [['email'], ['  AP@Acme.Example '], ['ap@acme.example']],
    [
      ['address'],
      ['12 North Main Street, Suite 5', 'Hauptstraße 5', '1 Harbour Rd.'],
      ['12 n main st ste 5', 'hauptstr 5', '1 harbour rd'],
    ],
    [
      ['company_suffix'],
      ['Acme Industrial Supply, Inc.', 'Bergmann Technik GmbH & Co. KG', 'Northwind Traders Ltd', 'Coca Cola Company'],
      ['acme industrial supply', 'bergmann technik', 'northwind traders', 'coca cola'],
    ],
  ])('%j', async (names, input, expected) => {
    expect(await evaluate(input, (column) => normalize(column, names))).toEqual(expected);
  });

  it('maps value aliases after normalising and leaves unknown values alone', async () => {
    const map = { NET30: ['N30', 'Net 30'], COD: ['cash on delivery'] };
    const names: NormalizerName[] = ['upper', 'remove_whitespace'];
    expect(
      await evaluate(['net 30', 'N30', 'NET30', 'Cash on Delivery', 'NET45'], (c) =>
        mapValues(normalize(c, names), map, names),
      ),
    ).toEqual(['NET30', 'NET30', 'NET30', 'COD', 'NET45']);
  });

  it('scores trigram similarity like pg_trgm does for near and far names', async () => {
    await clickhouse.command(
      sql`INSERT INTO samples VALUES (1000, 'acme industrial supply', 'acme industrial supplies'), (1001, 'acme industrial supply', 'zenith tools'), (1002, 'bergmann technik', 'bergman technik')`,
      { tag: 'test.pairs' },
    );
    const rows = await clickhouse.query<{ s: number }>(
      sql`SELECT length(arrayIntersect(ga, gb)) / (length(ga) + length(gb) - length(arrayIntersect(ga, gb))) AS s
        FROM (SELECT id, ${trigrams(ident('a'))} AS ga, ${trigrams(ident('b'))} AS gb FROM samples WHERE id >= 1000 AND id <= 1002)
        ORDER BY id`,
      { tag: 'test.trigrams' },
    );
    const [near, far, typo] = rows.map((r) => r.s);
    expect(near).toBeGreaterThan(0.75);
    expect(far).toBeLessThan(0.1);
    expect(typo).toBeGreaterThan(0.7);
  });

  it('builds details JSON that parses back to the hostile values', async () => {
    const values = INJECTION_STRINGS.filter((s) => s.isWellFormed());
    const details = await evaluate(values, (column) =>
      jsonObject({ key: { text: column }, n: { number: sql`length(${column})` } }),
    );
    details.forEach((text, i) => {
      const parsed = JSON.parse(String(text)) as { key: string; n: number };
      // Control characters are blanked (JSON forbids them raw); everything else survives byte for byte.
      // eslint-disable-next-line no-control-regex -- matching control characters is the point here
      expect(parsed.key).toBe(values[i].replace(/[\x00-\x1f]/g, ' '));
      expect(parsed.n).toBe(Buffer.byteLength(values[i]));
    });
  });
});
