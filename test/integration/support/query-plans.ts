import type { DataSource } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

/**
 * Whether the one statement on `table` that `read` sends probes `index`: its plan, with scans
 * forbidden so that only a usable index plans, reads that index with a condition on its first column (not
 * a walk of the whole index). A query whose conditions stop implying a partial index's predicate, or an index
 * that no longer leads with what the query filters on, fails this; it would only show at millions of rows.
 */
export async function probesIndex(
  dataSource: DataSource,
  table: string,
  index: string,
  read: () => Promise<unknown>,
): Promise<boolean> {
  const sent: [string, unknown[] | undefined][] = [];
  const original = PostgresQueryRunner.prototype.query;
  const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (
    this: PostgresQueryRunner,
    ...args: Parameters<typeof original>
  ) {
    if (args[0].includes(table)) sent.push([args[0], args[1]]);
    return original.apply(this, args);
  });
  try {
    await read();
  } finally {
    spy.mockRestore();
  }
  if (sent.length !== 1) throw new Error(`expected one statement on ${table}, got ${sent.length}`);
  const [text, params] = sent[0];
  const plan = await dataSource.transaction(async (tx) => {
    await tx.query('SET LOCAL enable_seqscan = off');
    await tx.query('SET LOCAL enable_bitmapscan = off');
    const rows: { 'QUERY PLAN': string }[] = await tx.query(`EXPLAIN ${text}`, params);
    return rows.map((r) => r['QUERY PLAN']);
  });
  // The condition must bound the index's first column: one on a later column still walks the index.
  const [first] = await dataSource.query<{ name: string }[]>(
    `SELECT a.attname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE c.relname = $1`,
    [index],
  );
  if (!first) throw new Error(`no index ${index}`);
  const at = plan.findIndex((line) => line.includes(`using ${index} `));
  return at >= 0 && new RegExp(`^\\s*Index Cond: .*\\b${first.name} (=|<|>)`).test(plan[at + 1] ?? '');
}
