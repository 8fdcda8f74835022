/**
 * One entity's records in one system: an in-memory map (fast enough for a million rows) with a
 * modification stamp and a version per row, journaled to an append-only JSON-lines file so writes
 * survive a restart. The system's initial copy is written once as `<entity>.jsonl` beside the journal.
 */
import { appendFileSync, createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Row<R> {
  record: R;
  /** Last modification (ms since epoch), what incremental queries filter on. */
  modifiedAt: number;
  /** Bumped on every write: feeds ETags. */
  version: number;
}

export interface JournalEntry {
  entity: string;
  op: 'put' | 'delete';
  key: string;
  modifiedAt: number;
  record?: unknown;
}

export class Journal {
  constructor(readonly path: string | null) {}

  append(entry: JournalEntry): void {
    if (this.path) appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}

export class RecordTable<R extends object> {
  private readonly rows = new Map<string, Row<R>>();

  constructor(
    readonly entity: string,
    private readonly keyOf: (record: R) => string,
    private readonly journal: Journal = new Journal(null),
  ) {}

  get size(): number {
    return this.rows.size;
  }

  get(key: string): Row<R> | undefined {
    return this.rows.get(key);
  }

  /** Loads a row without journaling (initial copy, replay). */
  load(record: R, modifiedAt: number, version = 1): void {
    this.rows.set(this.keyOf(record), { record, modifiedAt, version });
  }

  /** Inserts or replaces a record, journals it, and returns the new row. */
  put(record: R, modifiedAt: number): Row<R> {
    const key = this.keyOf(record);
    const previous = this.rows.get(key);
    const row = { record, modifiedAt, version: (previous?.version ?? 0) + 1 };
    // Re-insert so that map order stays "oldest write first" for unordered scans.
    if (previous) this.rows.delete(key);
    this.rows.set(key, row);
    this.journal.append({ entity: this.entity, op: 'put', key, modifiedAt, record });
    return row;
  }

  /** Removes a record; `journaled: false` when replaying a journal (the entry is already there). */
  delete(key: string, journaled = true): boolean {
    const existed = this.rows.delete(key);
    if (existed && journaled) this.journal.append({ entity: this.entity, op: 'delete', key, modifiedAt: Date.now() });
    return existed;
  }

  rowsInOrder(): IterableIterator<Row<R>> {
    return this.rows.values();
  }

  *records(): IterableIterator<R> {
    for (const row of this.rows.values()) yield row.record;
  }
}

/** Reads a JSON-lines file line by line (no whole-file buffer). */
export async function* readJsonLines<T>(path: string): AsyncGenerator<T> {
  if (!existsSync(path)) return;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length > 0) yield JSON.parse(line) as T;
  }
}
