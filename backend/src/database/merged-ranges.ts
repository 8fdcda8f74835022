/**
 * A page of `table` in `order` over several values of one column led by an index in that order: one
 * ordered index range per value, each read at most `top` rows (one parameterized plan, run once per
 * value), and the page taken from those few rows. Postgres does not merge an index's ranges itself:
 * `column = ANY(…)` sorts every match. `values` is the bound text[] parameter, `top` the bound limit;
 * `order` names columns qualified by `table`, the alias the ranges are read back under.
 */
export function mergedRanges(page: {
  table: string;
  column: string;
  values: string;
  where: readonly string[];
  columns: string;
  order: string;
  top: string;
}): string {
  const { table, column, values, where, columns, order, top } = page;
  return `SELECT ${columns} FROM unnest(${values}::text[]) AS s(wanted)
    CROSS JOIN LATERAL (SELECT * FROM ${table} WHERE ${[...where, `${table}.${column} = s.wanted`].join(' AND ')}
      ${order} LIMIT ${top}) AS ${table}
    ${order} LIMIT ${top}`;
}
