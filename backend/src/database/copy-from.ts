/** Streams rows into Postgres with `COPY … FROM STDIN` (text format) on one pg client. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** One column of a COPY row: null is SQL NULL; numbers must be finite or ±Infinity/NaN (float8 reads them). */
export type CopyValue = string | number | null;

/** Rows are sent in chunks of about this many bytes (one CopyData message each). */
const CHUNK_BYTES = 64 * 1024;

// Text format: backslash starts an escape, tab separates columns, newline (and a bare CR) ends a row.
const SPECIAL = /[\\\t\n\r]/g;
const HAS_SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One column in COPY text format: the value read back is exactly `value`. */
export function copyTextField(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  // Most values need no escape: testing first skips replace()'s copy.
  return HAS_SPECIAL.test(value) ? value.replace(SPECIAL, (c) => ESCAPES[c]) : value;
}

/** One row in COPY text format, newline included. */
export function copyTextRow(values: readonly CopyValue[]): string {
  return `${values.map(copyTextField).join('\t')}\n`;
}

/**
 * Runs `statement` (a `COPY table (columns) FROM STDIN`, text format) on `client` with the rows of
 * `rows`, streamed: the source is read only as fast as the server takes the data, so memory stays
 * bounded whatever the number of rows. A failing source aborts the COPY (CopyFail), and a row the
 * server rejects fails the returned promise with its error. Resolves to the number of rows copied.
 */
export async function copyRows(
  client: PoolClient,
  statement: string,
  rows: AsyncIterable<readonly CopyValue[]> | Iterable<readonly CopyValue[]>,
): Promise<number> {
  const sink = client.query(copyFrom(statement));
  await pipeline(Readable.from(chunks(rows), { objectMode: false }), sink);
  return sink.rowCount;
}

async function* chunks(
  rows: AsyncIterable<readonly CopyValue[]> | Iterable<readonly CopyValue[]>,
): AsyncGenerator<string> {
  let chunk = '';
  for await (const row of rows) {
    chunk += copyTextRow(row);
    if (chunk.length >= CHUNK_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
