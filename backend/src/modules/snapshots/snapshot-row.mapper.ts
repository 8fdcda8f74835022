import type { CanonicalRecord, EntityKind, RejectedRecord } from '../../connectors/canonical-model';

type FieldKind = 'text' | 'money' | 'date' | 'bool' | 'address';

/** The canonical fields of each entity and how they are stored; column = snake_case(field). */
const ENTITY_FIELDS: Record<EntityKind, ReadonlyArray<readonly [string, FieldKind]>> = {
  customer: [
    ['customerNumber', 'text'],
    ['legalName', 'text'],
    ['taxId', 'text'],
    ['billingAddress', 'address'],
    ['shippingAddress', 'address'],
    ['country', 'text'],
    ['parentKey', 'text'],
    ['status', 'text'],
    ['phone', 'text'],
    ['email', 'text'],
    ['accountTeam', 'text'],
  ],
  contact: [
    ['customerKey', 'text'],
    ['customerNumber', 'text'],
    ['firstName', 'text'],
    ['lastName', 'text'],
    ['email', 'text'],
    ['phone', 'text'],
    ['title', 'text'],
  ],
  credit_profile: [
    ['customerKey', 'text'],
    ['customerNumber', 'text'],
    ['creditLimit', 'money'],
    ['currency', 'text'],
    ['paymentTerms', 'text'],
    ['creditHold', 'bool'],
  ],
  order: [
    ['orderNumber', 'text'],
    ['customerKey', 'text'],
    ['customerNumber', 'text'],
    ['status', 'text'],
    ['statusChangedAt', 'date'],
    ['total', 'money'],
    ['currency', 'text'],
  ],
  shipment: [
    ['orderNumber', 'text'],
    ['milestone', 'text'],
    ['milestoneAt', 'date'],
    ['carrier', 'text'],
    ['trackingNumber', 'text'],
  ],
  ticket: [
    ['organizationKey', 'text'],
    ['customerNumber', 'text'],
    ['subject', 'text'],
    ['status', 'text'],
    ['priority', 'text'],
  ],
};

const ADDRESS_PARTS = ['line1', 'line2', 'city', 'postalCode', 'region', 'country'] as const;
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

interface ColumnSpec {
  column: string;
  field: string;
  part?: string;
  kind: Exclude<FieldKind, 'address'>;
  /** How errors name the value: `field` or `field.part`. */
  what: string;
}

function columnSpecs(entity: EntityKind): ColumnSpec[] {
  return ENTITY_FIELDS[entity].flatMap(([field, kind]): ColumnSpec[] =>
    kind === 'address'
      ? ADDRESS_PARTS.map((part) => ({
          column: `${snake(field)}_${snake(part)}`,
          field,
          part,
          kind: 'text',
          what: `${field}.${part}`,
        }))
      : [{ column: snake(field), field, kind, what: field }],
  );
}

const SPECS: Record<EntityKind, ColumnSpec[]> = Object.fromEntries(
  (Object.keys(ENTITY_FIELDS) as EntityKind[]).map((entity) => [entity, columnSpecs(entity)]),
) as Record<EntityKind, ColumnSpec[]>;

/** Columns every snapshot row carries besides the canonical fields (hashes are computed by ClickHouse). */
export const COMMON_COLUMNS = ['system', 'entity_key', 'snapshot_id', 'captured_at', 'source_updated_at'] as const;

/** The canonical columns of an entity's snapshot and current tables, in table order. */
export const canonicalColumns = (entity: EntityKind): string[] => SPECS[entity].map((spec) => spec.column);

/** Every column a snapshot row is inserted with (the insertable columns of `snapshot_<entity>`). */
export const snapshotColumns = (entity: EntityKind): string[] => [
  ...COMMON_COLUMNS,
  ...canonicalColumns(entity),
  'raw_excerpt',
];

export type ColumnType = 'string' | 'datetime' | 'decimal' | 'uint8';
const COLUMN_TYPE: Record<ColumnSpec['kind'], ColumnType> = {
  text: 'string',
  date: 'datetime',
  money: 'decimal',
  bool: 'uint8',
};

/**
 * The insertable columns of `snapshot_<entity>` with their storage class (String, DateTime,
 * Decimal(18, 2), UInt8; see migrations/0001_snapshots.sql), in `snapshotColumns` order.
 */
export const snapshotColumnTypes = (entity: EntityKind): Array<[string, ColumnType]> => [
  ['system', 'string'],
  ['entity_key', 'string'],
  ['snapshot_id', 'string'],
  ['captured_at', 'datetime'],
  ['source_updated_at', 'datetime'],
  ...SPECS[entity].map((spec): [string, ColumnType] => [spec.column, COLUMN_TYPE[spec.kind]]),
  ['raw_excerpt', 'string'],
];

/** Which (field, timestamp column) pair of an entity is a status whose transitions feed SLA rules. */
export const STATUS_FIELDS: Partial<Record<EntityKind, { field: string; at: string | null; matchKey: string }>> = {
  order: { field: 'status', at: 'status_changed_at', matchKey: 'order_number' },
  shipment: { field: 'milestone', at: 'milestone_at', matchKey: 'order_number' },
  ticket: { field: 'status', at: null, matchKey: 'entity_key' },
};

export type SnapshotRow = Record<string, string | number>;

export interface MapContext {
  system: string;
  snapshotId: string;
  /** Unix seconds of the run's capture time. */
  capturedAt: number;
}

export type MapResult = { ok: true; row: SnapshotRow; sourceUpdatedAt: number } | { ok: false; reject: RejectedRecord };

const MAX_EXCERPT = 2000;
// Decimal(18, 2) holds 16 integer digits.
const MAX_MONEY = 1e16;

export const excerpt = (value: unknown): string => {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_EXCERPT ? text.slice(0, MAX_EXCERPT) : text;
};

class FieldError extends Error {}

function toSeconds(value: unknown, what: string): number {
  if (value === null || value === undefined) return 0;
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  const ms = date?.getTime();
  if (ms === undefined || !Number.isFinite(ms)) throw new FieldError(`${what} is not a valid date`);
  // ClickHouse DateTime is unsigned 32-bit seconds since the epoch.
  if (ms < 0 || ms >= 4_294_967_296_000) throw new FieldError(`${what} is outside the DateTime range`);
  return Math.floor(ms / 1000);
}

function convert(value: unknown, spec: ColumnSpec, what: string): string | number {
  switch (spec.kind) {
    case 'text':
      if (value === null || value === undefined) return '';
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new FieldError(`${what} must be text`);
    case 'money': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new FieldError(`${what} must be a finite number`);
      if (Math.abs(n) >= MAX_MONEY) throw new FieldError(`${what} exceeds Decimal(18, 2)`);
      return Math.round(n * 100) / 100;
    }
    case 'date':
      return toSeconds(value, what);
    case 'bool':
      if (typeof value !== 'boolean') throw new FieldError(`${what} must be a boolean`);
      return value ? 1 : 0;
  }
}

/**
 * Validates one canonical record and flattens it into a snapshot row. Anything that does not fit the
 * schema becomes a reject with the reason; nothing is coerced silently into a different meaning.
 */
export function mapRecord(entity: EntityKind, record: CanonicalRecord, context: MapContext): MapResult {
  const sourceKey: unknown = (record as { sourceKey?: unknown } | null)?.sourceKey;
  const keyText = typeof sourceKey === 'string' ? sourceKey : '';
  const reject = (reason: string): MapResult => ({
    ok: false,
    reject: {
      entity,
      system: context.system,
      sourceKey: keyText,
      reason,
      rawExcerpt: excerpt(record?.rawExcerpt ?? record),
    },
  });
  if (typeof record !== 'object' || record === null) return reject('record is not an object');
  if (keyText.trim() === '') return reject('missing source key');
  if (record.entity !== entity) return reject(`record is a ${String(record.entity)}, expected ${entity}`);
  const fields = record.fields as unknown as Record<string, unknown> | null | undefined;
  if (typeof fields !== 'object' || fields === null) return reject('missing fields');
  const row: SnapshotRow = {
    system: context.system,
    entity_key: keyText,
    snapshot_id: context.snapshotId,
    captured_at: context.capturedAt,
    source_updated_at: 0,
  };
  let sourceUpdatedAt: number;
  try {
    sourceUpdatedAt = toSeconds(record.sourceUpdatedAt, 'sourceUpdatedAt');
    row.source_updated_at = sourceUpdatedAt;
    for (const spec of SPECS[entity]) {
      let value: unknown = fields[spec.field];
      if (spec.part !== undefined) {
        if (value !== null && value !== undefined && typeof value !== 'object') {
          throw new FieldError(`${spec.field} must be an address`);
        }
        value = (value as Record<string, unknown> | null | undefined)?.[spec.part];
      }
      row[spec.column] = convert(value, spec, spec.what);
    }
  } catch (error) {
    if (error instanceof FieldError) return reject(error.message);
    throw error;
  }
  row.raw_excerpt = excerpt(record.rawExcerpt ?? '');
  return { ok: true, row, sourceUpdatedAt };
}

/**
 * Maps a batch of records, handing each valid row to `write` and appending rejects to `rejects`, and
 * returns the newest source update time seen, starting from `watermark`.
 */
export function batchMapper(
  entity: EntityKind,
  context: MapContext,
): (
  records: readonly CanonicalRecord[],
  write: (row: SnapshotRow) => void,
  rejects: RejectedRecord[],
  watermark: number,
) => number {
  return (records, write, rejects, watermark) => {
    let newest = watermark;
    for (const record of records) {
      const mapped = mapRecord(entity, record, context);
      if (mapped.ok) {
        write(mapped.row);
        if (mapped.sourceUpdatedAt > newest) newest = mapped.sourceUpdatedAt;
      } else rejects.push(mapped.reject);
    }
    return newest;
  };
}
