import type { ColumnDefinition } from '../model/entity-columns';
import { ident, join, sql, type SqlFragment } from '../sql/sql-fragment';

/**
 * `cityHash64` of columns as the snapshot tables' stored hashes take them (migrations 0001 and 0005):
 * Decimals through toString, DateTimes as seconds. A hash computed at read time agrees with them.
 */
export function columnsHash(columns: readonly ColumnDefinition[]): SqlFragment {
  const values = columns.map((c) =>
    c.type === 'money'
      ? sql`toString(${ident(c.name)})`
      : c.type === 'datetime'
        ? sql`toUInt32(${ident(c.name)})`
        : ident(c.name),
  );
  return sql`cityHash64(${join(values)})`;
}
