/**
 * One entity's records in one system, compact enough for a million customers: each record is kept as
 * one JSON text (the values only, in the table's field order, when the record has the table's usual
 * shape) in large off-heap byte chunks, with its modification stamp and version in typed arrays, so
 * the garbage collector sees a handful of buffers and one key map instead of millions of objects.
 * Records are decoded when read. Writes are journaled to an append-only JSON-lines file so they
 * survive a restart; the initial copy is rebuilt from the manifest, not stored.
 */
import { appendFileSync, createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Row<R> {
  /** The record's key in its table (for Salesforce tables its Id), known without decoding the record. */
  readonly key: string;
  /** The record as stored (decoded on first access; a fresh object each time a row is read). */
  readonly record: R;
  /** Last modification (ms since epoch), what incremental queries filter on. */
  readonly modifiedAt: number;
  /** Bumped on every write: feeds ETags. */
  readonly version: number;
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

/** Bytes per chunk of encoded records (off the V8 heap). */
const CHUNK_BYTES = 32 * 1024 * 1024;
/** Marks a slot whose record was replaced or deleted. */
const DEAD = 0;

/** A row read from a table: `record` is decoded lazily, so scans that only test stamps decode nothing. */
class StoredRow<R extends object> implements Row<R> {
  private decoded: R | undefined;

  constructor(
    private readonly table: RecordTable<R>,
    readonly key: string,
    readonly slot: number,
    readonly modifiedAt: number,
    readonly version: number,
  ) {}

  get record(): R {
    if (this.decoded === undefined) this.decoded = this.table.decodeSlot(this.slot);
    return this.decoded;
  }
}

export class RecordTable<R extends object> {
  /** Key → slot of the live row. */
  private readonly slots = new Map<string, number>();
  /** Per slot: modification stamp, version (0 = dead), chunk, byte offset and length of its JSON. */
  private modified = new Float64Array(1024);
  private versions = new Uint32Array(1024);
  private chunkOf = new Uint32Array(1024);
  private offsetOf = new Uint32Array(1024);
  private lengthOf = new Uint32Array(1024);
  private slotCount = 0;
  /** Per slot: its key (the same strings as the key map's, so this costs a pointer per slot). */
  private readonly keyAt: string[] = [];
  /** Scan order (slots, oldest write first); dead slots stay in it and are skipped. */
  private order = new Uint32Array(1024);
  private orderLength = 0;
  /** Whether `order` is non-decreasing in modification stamp (lets scans start by binary search). */
  private ordered = true;
  private readonly chunks: Buffer[] = [];
  private chunkUsed = CHUNK_BYTES;
  /** The usual field order: records with exactly these keys are stored as a JSON array of values. */
  private shape: string[] | null = null;
  private fromValues: ((values: unknown[]) => R) | null = null;
  private live = 0;
  private bytes = 0;

  constructor(
    readonly entity: string,
    private readonly keyOf: (record: R) => string,
    private readonly journal: Journal = new Journal(null),
  ) {}

  get size(): number {
    return this.live;
  }

  /** Bytes of encoded records held (including replaced versions). */
  get storedBytes(): number {
    return this.bytes;
  }

  get(key: string): Row<R> | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.rowOf(slot);
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  /**
   * Loads a row without journaling (initial copy, journal replay). A key already present is replaced
   * and its version bumped, exactly as the write being replayed did.
   */
  load(record: R, modifiedAt: number): void {
    this.store(this.keyOf(record), record, modifiedAt);
  }

  /** Inserts or replaces a record, journals it, and returns the new row. */
  put(record: R, modifiedAt: number): Row<R> {
    const key = this.keyOf(record);
    const slot = this.store(key, record, modifiedAt);
    this.journal.append({ entity: this.entity, op: 'put', key, modifiedAt, record });
    return this.rowOf(slot);
  }

  /** Removes a record; `journaled: false` when replaying a journal (the entry is already there). */
  delete(key: string, journaled = true): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    this.versions[slot] = DEAD;
    this.live--;
    if (journaled) this.journal.append({ entity: this.entity, op: 'delete', key, modifiedAt: Date.now() });
    return true;
  }

  /**
   * Puts the rows loaded so far in modification order (stable: equal stamps keep load order). The
   * initial build loads each customer's records as generated and sorts once at the end.
   */
  sortByModification(): void {
    const modified = this.modified;
    const order = this.order.subarray(0, this.orderLength);
    order.sort((a, b) => modified[a] - modified[b] || a - b);
    this.ordered = true;
  }

  /**
   * Live rows, oldest write first. With `fromModifiedAt` the scan may skip rows stamped earlier (it
   * binary-searches when the table is in modification order); callers still filter.
   */
  *rowsInOrder(fromModifiedAt?: number): IterableIterator<Row<R>> {
    let i = fromModifiedAt === undefined || !this.ordered ? 0 : this.firstPositionAtOrAfter(fromModifiedAt);
    for (; i < this.orderLength; i++) {
      const slot = this.order[i];
      if (this.versions[slot] !== DEAD) yield this.rowOf(slot);
    }
  }

  /** Whether every row is in modification order (later stamps never come before earlier ones). */
  get inModificationOrder(): boolean {
    return this.ordered;
  }

  *records(): IterableIterator<R> {
    for (const row of this.rowsInOrder()) yield row.record;
  }

  /** @internal Decodes the record stored in a slot (a new object each call). */
  decodeSlot(slot: number): R {
    const chunk = this.chunks[this.chunkOf[slot]];
    const start = this.offsetOf[slot];
    const parsed = JSON.parse(chunk.toString('utf8', start, start + this.lengthOf[slot])) as unknown;
    return Array.isArray(parsed) ? this.fromValues!(parsed) : (parsed as R);
  }

  private rowOf(slot: number): StoredRow<R> {
    return new StoredRow(this, this.keyAt[slot], slot, this.modified[slot], this.versions[slot]);
  }

  private firstPositionAtOrAfter(modifiedAt: number): number {
    let lo = 0;
    let hi = this.orderLength;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.modified[this.order[mid]] < modifiedAt) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private store(key: string, record: R, modifiedAt: number): number {
    const previous = this.slots.get(key);
    let version = 1;
    if (previous !== undefined) {
      version = this.versions[previous] + 1;
      this.versions[previous] = DEAD;
    } else this.live++;
    const slot = this.slotCount++;
    if (slot === this.modified.length) this.growSlots();
    this.writeRecord(slot, this.encode(record));
    this.modified[slot] = modifiedAt;
    this.versions[slot] = version;
    this.slots.set(key, slot);
    this.keyAt.push(key);
    if (this.orderLength === this.order.length) {
      const grown = new Uint32Array(this.order.length * 2);
      grown.set(this.order);
      this.order = grown;
    }
    if (this.orderLength > 0 && modifiedAt < this.modified[this.order[this.orderLength - 1]]) this.ordered = false;
    this.order[this.orderLength++] = slot;
    return slot;
  }

  private encode(record: R): string {
    const keys = Object.keys(record);
    if (this.shape === null) this.learnShape(keys);
    const shape = this.shape!;
    if (keys.length !== shape.length) return JSON.stringify(record);
    const values = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== shape[i]) return JSON.stringify(record);
      const v = (record as Record<string, unknown>)[keys[i]];
      // JSON arrays turn undefined into null; keep the object form so the key stays absent.
      if (v === undefined) return JSON.stringify(record);
      values[i] = v;
    }
    return JSON.stringify(values);
  }

  private learnShape(keys: string[]): void {
    this.shape = keys;
    // Properties added in the same order every time: every decoded record shares one hidden class.
    this.fromValues = (values) => {
      const record: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) record[keys[i]] = values[i];
      return record as R;
    };
  }

  private writeRecord(slot: number, text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const worst = text.length * 3;
    if (this.chunks.length === 0 || this.chunkUsed + worst > CHUNK_BYTES) {
      this.chunks.push(Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, worst)));
      this.chunkUsed = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1];
    const written = chunk.write(text, this.chunkUsed, 'utf8');
    this.chunkOf[slot] = this.chunks.length - 1;
    this.offsetOf[slot] = this.chunkUsed;
    this.lengthOf[slot] = written;
    this.bytes += written;
    // An oversized record has a chunk of its own; the next record starts a new one.
    this.chunkUsed = worst > CHUNK_BYTES ? CHUNK_BYTES : this.chunkUsed + written;
  }

  private growSlots(): void {
    const n = this.modified.length * 2;
    const grow = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.modified = grow(this.modified, (k) => new Float64Array(k));
    this.versions = grow(this.versions, (k) => new Uint32Array(k));
    this.chunkOf = grow(this.chunkOf, (k) => new Uint32Array(k));
    this.offsetOf = grow(this.offsetOf, (k) => new Uint32Array(k));
    this.lengthOf = grow(this.lengthOf, (k) => new Uint32Array(k));
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
