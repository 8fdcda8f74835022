/**
 * The columns of a source relation (`snapshot_<entity>`, `current_<entity>` or any subquery the
 * caller supplies): the bookkeeping columns every entity shares, then the canonical fields of
 * `backend/src/connectors/canonical-model.ts` in snake_case with addresses flattened. The rule
 * compiler validates field names against this catalogue, and the snapshot pipeline can create its
 * tables from it, so both sides agree on one list.
 */

export const ENTITY_KINDS = ['customer', 'contact', 'credit_profile', 'order', 'shipment', 'ticket'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** How a column is stored: text is `String` ('' when missing), booleans `UInt8`, money `Decimal(18,2)`. */
export type ColumnType = 'string' | 'bool' | 'money' | 'datetime' | 'uint64';

export const CLICKHOUSE_TYPES: Record<ColumnType, string> = {
  string: 'String',
  bool: 'UInt8',
  money: 'Decimal(18, 2)',
  datetime: 'DateTime',
  uint64: 'UInt64',
};

export interface ColumnDefinition {
  name: string;
  type: ColumnType;
}

export const BOOKKEEPING_COLUMNS: readonly ColumnDefinition[] = [
  { name: 'system', type: 'string' },
  { name: 'entity_key', type: 'string' },
  { name: 'key_hash', type: 'uint64' },
  { name: 'snapshot_id', type: 'string' },
  { name: 'captured_at', type: 'datetime' },
  { name: 'source_updated_at', type: 'datetime' },
  { name: 'field_hash', type: 'uint64' },
  { name: 'shared_hash', type: 'uint64' },
  { name: 'raw_excerpt', type: 'string' },
];

const ADDRESS_PARTS = ['line1', 'line2', 'city', 'postal_code', 'region', 'country'] as const;
const address = (prefix: string): ColumnDefinition[] =>
  ADDRESS_PARTS.map((part) => ({ name: `${prefix}_${part}`, type: 'string' as const }));
const text = (...names: string[]): ColumnDefinition[] => names.map((name) => ({ name, type: 'string' as const }));

export const CANONICAL_COLUMNS: Record<EntityKind, readonly ColumnDefinition[]> = {
  customer: [
    ...text('customer_number', 'legal_name', 'tax_id'),
    ...address('billing_address'),
    ...address('shipping_address'),
    ...text('country', 'parent_key', 'status', 'phone', 'email', 'account_team'),
  ],
  contact: text('customer_key', 'customer_number', 'first_name', 'last_name', 'email', 'phone', 'title'),
  credit_profile: [
    ...text('customer_key', 'customer_number'),
    { name: 'credit_limit', type: 'money' },
    ...text('currency', 'payment_terms'),
    { name: 'credit_hold', type: 'bool' },
  ],
  order: [
    ...text('order_number', 'customer_key', 'customer_number', 'status'),
    { name: 'status_changed_at', type: 'datetime' },
    { name: 'total', type: 'money' },
    ...text('currency'),
  ],
  shipment: [
    ...text('order_number', 'milestone'),
    { name: 'milestone_at', type: 'datetime' },
    ...text('carrier', 'tracking_number'),
  ],
  ticket: text('organization_key', 'customer_number', 'subject', 'status', 'priority'),
};

/** Field groups a rule or the ownership file may name instead of listing every flattened column. */
export const FIELD_GROUPS: Record<string, readonly string[]> = {
  billing_address: ADDRESS_PARTS.map((part) => `billing_address_${part}`),
  shipping_address: ADDRESS_PARTS.map((part) => `shipping_address_${part}`),
};

/**
 * Canonical columns holding a reference in the system's own key space (a Salesforce AccountId against
 * an ERP customer account, a CRM ParentId against an ERP InvoiceAccount): they differ across systems
 * for every record that has one, so a hash over all canonical columns (field_hash) never agrees for two
 * systems' copies of such a record. shared_hash leaves them out (see sharedHashColumns).
 */
export const SYSTEM_LOCAL_COLUMNS: Record<EntityKind, readonly string[]> = {
  customer: ['parent_key'],
  contact: ['customer_key'],
  credit_profile: ['customer_key'],
  order: ['customer_key'],
  shipment: [],
  ticket: ['organization_key'],
};

/** The default cross-system matching field per entity ('' = the entity has no cross-system key). */
export const DEFAULT_MATCH_FIELD: Record<EntityKind, string> = {
  customer: 'customer_number',
  contact: 'email',
  credit_profile: 'customer_number',
  order: 'order_number',
  shipment: 'order_number',
  ticket: 'customer_number',
};

/**
 * The canonical columns shared_hash covers: all that field_hash covers but the system-local
 * references, so two systems' copies of a record can agree on it. Money is hashed through toString,
 * as in field_hash. The ClickHouse migration 0005_shared_hash.sql spells the same lists.
 */
export function sharedHashColumns(entity: EntityKind): readonly ColumnDefinition[] {
  return CANONICAL_COLUMNS[entity].filter((c) => !SYSTEM_LOCAL_COLUMNS[entity].includes(c.name));
}

export function entityColumns(entity: EntityKind): ColumnDefinition[] {
  return [...BOOKKEEPING_COLUMNS, ...CANONICAL_COLUMNS[entity]];
}

export function findColumn(entity: EntityKind, name: string): ColumnDefinition | undefined {
  return entityColumns(entity).find((column) => column.name === name);
}

/** Expands a field group (`billing_address`) into its columns; a plain column name stays itself. */
export function expandField(name: string): readonly string[] {
  return FIELD_GROUPS[name] ?? [name];
}

/** Text where that column is missing: what the snapshot pipeline stores for a null. */
export const EMPTY_DATETIME = '1970-01-01 00:00:00';
