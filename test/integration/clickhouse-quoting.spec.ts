import { ident, list, literal, qualified, raw, sql, SqlQuotingError, uint } from '../../backend/src/clickhouse/sql';
import { INJECTION_STRINGS } from '../fixtures/injection-strings';
import { isolatedClickHouse } from './support/test-services';

describe('quoting module against the real ClickHouse', () => {
  let clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>;

  beforeAll(async () => {
    clickhouse = await isolatedClickHouse();
    await clickhouse.command(raw('CREATE TABLE victims (id UInt32, name String) ENGINE = MergeTree ORDER BY id'), {
      tag: 'test.create',
    });
    await clickhouse.command(raw("INSERT INTO victims VALUES (1, 'alice'), (2, 'bob')"), { tag: 'test.seed' });
  });

  afterAll(async () => {
    await clickhouse.drop();
  });

  it.each(INJECTION_STRINGS.map((s, i) => [i, s]))('round-trips hostile string #%i as a literal', async (_i, value) => {
    const rows = await clickhouse.query<{ v: string }>(sql`SELECT ${value} AS v`, { tag: 'test.roundtrip' });
    expect(rows).toEqual([{ v: value }]);
  });

  it('matches no row when a hostile string is used as a filter value', async () => {
    for (const value of INJECTION_STRINGS) {
      const rows = await clickhouse.query<{ id: number }>(sql`SELECT id FROM victims WHERE name = ${value}`, {
        tag: 'test.filter',
      });
      expect({ value, rows }).toEqual({ value, rows: [] });
    }
    const [count] = await clickhouse.query<{ c: string }>(raw('SELECT count() AS c FROM victims'), {
      tag: 'test.count',
    });
    expect(Number(count.c)).toBe(2);
  });

  it('stores hostile strings inserted through literals byte for byte', async () => {
    const values = INJECTION_STRINGS.map((s, i) => sql`(${i + 100}, ${s})`);
    await clickhouse.command(sql`INSERT INTO victims VALUES ${raw(values.map((v) => v.text).join(', '))}`, {
      tag: 'test.insert',
    });
    const rows = await clickhouse.query<{ id: number; name: string }>(
      sql`SELECT id, name FROM victims WHERE id >= ${100} ORDER BY id`,
      { tag: 'test.readback' },
    );
    expect(rows.map((r) => r.name)).toEqual(INJECTION_STRINGS);
  });

  it('uses hostile strings safely inside IN lists', async () => {
    const rows = await clickhouse.query<{ id: number }>(
      sql`SELECT id FROM victims WHERE id < ${100} AND name IN ${list([...INJECTION_STRINGS, 'bob'])}`,
      { tag: 'test.in' },
    );
    expect(rows).toEqual([{ id: 2 }]);
  });

  it('refuses hostile identifiers instead of quoting them', () => {
    const hostile = ['victims; DROP TABLE victims', 'a`b', 'a.b', '1abc', '', 'naïve', 'a b', 'x\0', '`victims`'];
    for (const name of hostile) expect(() => ident(name)).toThrow(SqlQuotingError);
    expect(() => qualified('db', 'x;y')).toThrow(SqlQuotingError);
  });

  it('accepts a plain identifier and queries through it', async () => {
    const rows = await clickhouse.query<{ c: string }>(sql`SELECT count() AS c FROM ${ident('victims')}`, {
      tag: 'test.ident',
    });
    expect(Number(rows[0].c)).toBeGreaterThanOrEqual(2);
  });

  it('refuses non-finite numbers, negative limits and lone surrogates', () => {
    expect(() => literal(Number.NaN)).toThrow(SqlQuotingError);
    expect(() => literal(Number.POSITIVE_INFINITY)).toThrow(SqlQuotingError);
    expect(() => uint(-1)).toThrow(SqlQuotingError);
    expect(() => uint(1.5)).toThrow(SqlQuotingError);
    expect(() => literal('\ud800')).toThrow(SqlQuotingError);
    expect(() => list([])).toThrow(SqlQuotingError);
  });

  it('round-trips numbers, booleans, nulls and dates', async () => {
    const when = new Date('2026-03-04T05:06:07Z');
    const rows = await clickhouse.query<Record<string, unknown>>(
      sql`SELECT ${42} AS i, ${-1.25} AS f, ${true} AS b, ${null} AS n, toUnixTimestamp(${when}) AS d, ${12345678901234567890n} AS big`,
      { tag: 'test.types' },
    );
    expect(rows[0]).toMatchObject({
      i: 42,
      f: -1.25,
      b: 1,
      n: null,
      d: when.getTime() / 1000,
      big: '12345678901234567890',
    });
  });
});
