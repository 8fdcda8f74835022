/**
 * Keyset pages over a table in (modifiedAt, key) order, for incremental exports and cursor paging.
 * Tables are loaded in modification order and every later write goes to the end, so a scan starts at
 * the cursor's stamp (binary search) and stops as soon as it has a full page and has passed the page's
 * last timestamp: a page costs about its own size, not the table's.
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
  const { after, from, until } = options;
  // Rows stamped before the cursor (or `from`) can never be on this page: start past them. Stamps
  // are tested before keys and filters so skipped rows are never decoded.
  const start = Math.max(after?.modifiedAt ?? -Infinity, from ?? -Infinity);
  const ordered = table.inModificationOrder;
  for (const row of table.rowsInOrder(Number.isFinite(start) ? start : undefined)) {
    const modifiedAt = row.modifiedAt;
    if (from !== undefined && modifiedAt < from) continue;
    if (until !== undefined && modifiedAt > until) {
      if (ordered) break;
      continue;
    }
    if (after && modifiedAt < after.modifiedAt) continue;
    let key: string | null = null;
    if (after && modifiedAt === after.modifiedAt && !((key = keyOf(row.record)) > after.key)) continue;
    if (options.where && !options.where(row)) continue;
    // Stop early only when no later row can be stamped earlier (a backdated write breaks the order).
    if (ordered && picked.length > options.limit && modifiedAt > maxPicked) {
      hasMore = true;
      break;
    }
    picked.push({ row, key: key ?? keyOf(row.record), modifiedAt });
    if (modifiedAt > maxPicked) maxPicked = modifiedAt;
  }
  picked.sort((a, b) => a.modifiedAt - b.modifiedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (picked.length > options.limit) {
    hasMore = true;
    picked.length = options.limit;
  }
  return { rows: picked.map((p) => p.row), hasMore };
}
