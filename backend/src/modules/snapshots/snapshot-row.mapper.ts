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
  const columns = snapshotColumns(entity);
  const values: RowValues = new Array<string | number>(columns.length);
  const reason = validateInto(entity, record, context, values);
  if (reason !== null) return { ok: false, reject: rejectOf(entity, record, context, reason) };
  const row: SnapshotRow = {};
  columns.forEach((column, i) => (row[column] = values[i]));
  return { ok: true, row, sourceUpdatedAt: values[SOURCE_UPDATED_AT] as number };
}

/** A snapshot row as its column values, in `snapshotColumns` order. */
export type RowValues = Array<string | number>;
const SOURCE_UPDATED_AT = COMMON_COLUMNS.indexOf('source_updated_at');

const keyOf = (record: CanonicalRecord): string => {
  const sourceKey: unknown = (record as { sourceKey?: unknown } | null)?.sourceKey;
  return typeof sourceKey === 'string' ? sourceKey : '';
};

function rejectOf(entity: EntityKind, record: CanonicalRecord, context: MapContext, reason: string): RejectedRecord {
  return {
    entity,
    system: context.system,
    sourceKey: keyOf(record),
    reason,
    rawExcerpt: excerpt(record?.rawExcerpt ?? record),
  };
}

/**
 * Validates one record into `values` (every column, `snapshotColumns` order) and returns null, or
 * returns why the record is rejected. Writing into a caller's array keeps a batch free of per-row
 * objects: the encoder copies the values out before the next record overwrites them.
 */
function validateInto(
  entity: EntityKind,
  record: CanonicalRecord,
  context: MapContext,
  values: RowValues,
): string | null {
  const keyText = keyOf(record);
  if (typeof record !== 'object' || record === null) return 'record is not an object';
  if (keyText.trim() === '') return 'missing source key';
  if (record.entity !== entity) return `record is a ${String(record.entity)}, expected ${entity}`;
  const fields = record.fields as unknown as Record<string, unknown> | null | undefined;
  if (typeof fields !== 'object' || fields === null) return 'missing fields';
  values[0] = context.system;
  values[1] = keyText;
  values[2] = context.snapshotId;
  values[3] = context.capturedAt;
  const specs = SPECS[entity];
  try {
    values[4] = toSeconds(record.sourceUpdatedAt, 'sourceUpdatedAt');
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      let value: unknown = fields[spec.field];
      if (spec.part !== undefined) {
        if (value !== null && value !== undefined && typeof value !== 'object') {
          throw new FieldError(`${spec.field} must be an address`);
        }
        value = (value as Record<string, unknown> | null | undefined)?.[spec.part];
      }
      values[COMMON_COLUMNS.length + i] = convert(value, spec, spec.what);
    }
  } catch (error) {
    if (error instanceof FieldError) return error.message;
    throw error;
  }
  values[COMMON_COLUMNS.length + specs.length] = excerpt(record.rawExcerpt ?? '');
  return null;
}

/**
 * Maps a batch of records, handing each valid row's values to `write` (the array is reused for the
 * next record) and appending rejects to `rejects`, and returns the newest source update time seen,
 * starting from `watermark`.
 */
export function batchMapper(
  entity: EntityKind,
  context: MapContext,
): (
  records: readonly CanonicalRecord[],
  write: (values: RowValues) => void,
  rejects: RejectedRecord[],
  watermark: number,
) => number {
  const values: RowValues = new Array<string | number>(snapshotColumns(entity).length).fill(0);
  return (records, write, rejects, watermark) => {
    let newest = watermark;
    for (const record of records) {
      const reason = validateInto(entity, record, context, values);
      if (reason === null) {
        write(values);
        const updated = values[SOURCE_UPDATED_AT] as number;
        if (updated > newest) newest = updated;
      } else rejects.push(rejectOf(entity, record, context, reason));
    }
    return newest;
  };
}
