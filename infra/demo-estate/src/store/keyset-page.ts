/**
 * Keyset pages over a table in (modifiedAt, key) order, for incremental exports and cursor paging.
 * Tables are loaded in modification order and every later write goes to the end of the map, so a scan
 * can stop as soon as it has a full page and has passed the page's last timestamp.
 */
import type { RecordTable, Row } from './record-table';

export interface KeysetCursor {
  modifiedAt: number;
  key: string;
}

export function encodeCursor(c: KeysetCursor): string {
  return Buffer.from(`${c.modifiedAt}:${c.key}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): KeysetCursor | null {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const m = /^(\d+):(.+)$/.exec(decoded);
  return m ? { modifiedAt: Number(m[1]), key: m[2] } : null;
}

const after = (row: { modifiedAt: number; key: string }, c: KeysetCursor) =>
  row.modifiedAt > c.modifiedAt || (row.modifiedAt === c.modifiedAt && row.key > c.key);

export function keysetPage<R extends object>(
  table: RecordTable<R>,
  keyOf: (r: R) => string,
  options: {
    after: KeysetCursor | null;
    from?: number;
    until?: number;
    limit: number;
    where?: (row: Row<R>) => boolean;
  },
): { rows: Row<R>[]; hasMore: boolean } {
  const picked: { row: Row<R>; key: string; modifiedAt: number }[] = [];
  let maxPicked = -Infinity;
  let hasMore = false;
  for (const row of table.rowsInOrder()) {
    if (options.from !== undefined && row.modifiedAt < options.from) continue;
    if (options.until !== undefined && row.modifiedAt > options.until) continue;
    const item = { row, key: keyOf(row.record), modifiedAt: row.modifiedAt };
    if (options.after && !after(item, options.after)) continue;
    if (options.where && !options.where(row)) continue;
    if (picked.length > options.limit && row.modifiedAt > maxPicked) {
      hasMore = true;
      break;
    }
    picked.push(item);
    if (row.modifiedAt > maxPicked) maxPicked = row.modifiedAt;
  }
  picked.sort((a, b) => a.modifiedAt - b.modifiedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (picked.length > options.limit) {
    hasMore = true;
    picked.length = options.limit;
  }
  return { rows: picked.map((p) => p.row), hasMore };
}
