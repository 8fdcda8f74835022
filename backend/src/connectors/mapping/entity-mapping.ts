import { z } from 'zod';
import type { CanonicalRecord, EntityFields, EntityKind, RejectedRecord } from '../canonical-model';
import { MappingError, NORMALIZERS, excerpt, normalize, normalizeCountry, toDate, toText } from './value-normalizers';

/**
 * Declarative source → canonical mappings. Each connector ships defaults; an installation overrides
 * any field rule, value map or key in its connectors YAML (`mapping:`), merged field by field.
 */
export const fieldRuleSchema = z
  .object({
    /** Dotted source path (`BillingAddress.city`, `addresses.0.city`). */
    from: z.string().min(1).optional(),
    /** A fixed canonical value, for fields the source does not have. */
    constant: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /** Source value → canonical value, applied before the normalizer (`N30` → `NET30`). Unlisted values pass through. */
    valueMap: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    normalize: z.enum(NORMALIZERS).optional(),
    /** Phones: source path of the country to read national numbers in (default: the record's country). */
    countryFrom: z.string().optional(),
    /** A missing or unreadable value rejects the record instead of leaving the field empty. */
    required: z.boolean().optional(),
    /** False for fields corrective writes must not touch (computed or foreign fields). */
    writable: z.boolean().optional(),
  })
  .strict();
export type FieldRule = z.infer<typeof fieldRuleSchema>;

/**
 * When this system got a status change (an `entity_events` row's time). `statusTime` (default): the
 * mapped status time (`statusChangedAt`, `milestoneAt`) is this system's own stamp. `updatedAt`: that
 * time is copied from the system of record (a CRM showing the warehouse's milestone time), so the
 * record's modification time (`updatedAt`) is when the status reached this system.
 */
export const TRANSITION_TIMES = ['statusTime', 'updatedAt'] as const;
export type TransitionTime = (typeof TRANSITION_TIMES)[number];

export const entityMappingSchema = z
  .object({
    key: z.string().min(1),
    updatedAt: z.string().optional(),
    transitionsAt: z.enum(TRANSITION_TIMES).optional(),
    fields: z.record(z.string(), fieldRuleSchema),
  })
  .strict();
export type EntityMapping = z.infer<typeof entityMappingSchema>;
export type ConnectorMapping = Partial<Record<EntityKind, EntityMapping>>;

export const mappingOverrideSchema = z.record(
  z.string(),
  z
    .object({
      key: z.string().optional(),
      updatedAt: z.string().optional(),
      transitionsAt: z.enum(TRANSITION_TIMES).optional(),
      fields: z.record(z.string(), fieldRuleSchema.partial()).optional(),
    })
    .strict(),
);
export type MappingOverride = z.infer<typeof mappingOverrideSchema>;

/** Empty canonical values, so every record has every field whatever the source maps. */
export const CANONICAL_DEFAULTS: { [E in EntityKind]: () => EntityFields[E] } = {
  customer: () => ({
    customerNumber: '',
    legalName: '',
    taxId: '',
    billingAddress: { line1: '', line2: '', city: '', postalCode: '', region: '', country: '' },
    shippingAddress: { line1: '', line2: '', city: '', postalCode: '', region: '', country: '' },
    country: '',
    parentKey: '',
    status: '',
    phone: '',
    email: '',
    accountTeam: '',
  }),
  contact: () => ({
    customerKey: '',
    customerNumber: '',
    firstName: '',
    lastName: '',
    email: '',
    phone: '',
    title: '',
  }),
  credit_profile: () => ({
    customerKey: '',
    customerNumber: '',
    creditLimit: 0,
    currency: '',
    paymentTerms: '',
    creditHold: false,
  }),
  order: () => ({
    orderNumber: '',
    customerKey: '',
    customerNumber: '',
    status: '',
    statusChangedAt: null,
    total: 0,
    currency: '',
  }),
  shipment: () => ({ orderNumber: '', milestone: '', milestoneAt: null, carrier: '', trackingNumber: '' }),
  ticket: () => ({ organizationKey: '', customerNumber: '', subject: '', status: '', priority: '' }),
};

export function mergeMapping(base: ConnectorMapping, override: MappingOverride | undefined): ConnectorMapping {
  if (!override) return base;
  const merged: ConnectorMapping = { ...base };
  for (const [entity, o] of Object.entries(override)) {
    const current = merged[entity as EntityKind];
    if (!current) throw new MappingError(`mapping override for "${entity}", which this connector does not extract`);
    const fields = { ...current.fields };
    for (const [field, rule] of Object.entries(o.fields ?? {})) {
      fields[field] = { ...fields[field], ...rule, valueMap: rule.valueMap ?? fields[field]?.valueMap };
    }
    merged[entity as EntityKind] = entityMappingSchema.parse({
      key: o.key ?? current.key,
      updatedAt: o.updatedAt ?? current.updatedAt,
      transitionsAt: o.transitionsAt ?? current.transitionsAt,
      fields,
    });
  }
  return merged;
}

export function getPath(source: unknown, path: string): unknown {
  return getParts(source, path.split('.'));
}

/** getPath over a path already split at its dots (mappers split each path once, not per record). */
function getParts(source: unknown, parts: readonly string[]): unknown {
  let value: unknown = source;
  for (const part of parts) {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function setParts(target: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/** One field rule with its paths split and its empty value looked up, once per mapper. */
interface CompiledRule {
  field: string;
  rule: FieldRule;
  fieldParts: readonly string[];
  fromParts: readonly string[] | undefined;
  countryFromParts: readonly string[] | undefined;
  /** The canonical empty value of the field (shared between records when it is a primitive). */
  empty: unknown;
}

/** Longer text is a corrupt feed, not a name or an address: the record is rejected. */
export const MAX_TEXT_LENGTH = 4000;

export type MapResult<E extends EntityKind> = { record: CanonicalRecord<E> } | { reject: RejectedRecord };

/** Maps source records of one entity; never throws for bad data (that becomes a reject). */
export class EntityMapper<E extends EntityKind> {
  /** Country fields first: phone numbers are read in the record's country. */
  private readonly rules: readonly CompiledRule[];
  private readonly keyParts: readonly string[];
  private readonly updatedAtParts: readonly string[] | undefined;

  constructor(
    readonly entity: E,
    readonly system: string,
    readonly mapping: EntityMapping,
  ) {
    const empty = CANONICAL_DEFAULTS[entity]();
    this.rules = Object.entries(mapping.fields)
      .sort(([a], [b]) => Number(b === 'country') - Number(a === 'country'))
      .map(([field, rule]) => ({
        field,
        rule,
        fieldParts: field.split('.'),
        fromParts: rule.from ? rule.from.split('.') : undefined,
        countryFromParts: rule.countryFrom ? rule.countryFrom.split('.') : undefined,
        empty: getPath(empty, field),
      }));
    this.keyParts = mapping.key.split('.');
    this.updatedAtParts = mapping.updatedAt ? mapping.updatedAt.split('.') : undefined;
  }

  sourceKeyOf(source: unknown): string {
    return toText(getParts(source, this.keyParts));
  }

  map(source: unknown): MapResult<E> {
    const rawExcerpt = excerpt(source, 500);
    let sourceKey = '';
    try {
      if (typeof source !== 'object' || source === null) throw new MappingError('record is not an object');
      sourceKey = this.sourceKeyOf(source);
      if (sourceKey === '') throw new MappingError(`missing key ${this.mapping.key}`);
      const fields = CANONICAL_DEFAULTS[this.entity]() as unknown as Record<string, unknown>;
      let problems: string[] | undefined;
      for (const compiled of this.rules) {
        try {
          setParts(fields, compiled.fieldParts, this.value(source, compiled, fields));
        } catch (error) {
          if (!(error instanceof MappingError)) throw error;
          (problems ??= []).push(`${compiled.field}: ${error.message}`);
        }
      }
      if (problems) throw new MappingError(problems.join('; '));
      const updated = this.updatedAtParts ? toDate(getParts(source, this.updatedAtParts)) : null;
      return {
        record: {
          entity: this.entity,
          system: this.system,
          sourceKey,
          sourceUpdatedAt: updated,
          fields: fields as unknown as EntityFields[E],
          rawExcerpt,
        },
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { reject: { entity: this.entity, system: this.system, sourceKey, reason, rawExcerpt } };
    }
  }

  private value(source: unknown, compiled: CompiledRule, fields: Record<string, unknown>): unknown {
    const { rule, field } = compiled;
    if (rule.constant !== undefined) return rule.constant;
    let value = compiled.fromParts ? getParts(source, compiled.fromParts) : undefined;
    const missing = value === undefined || value === null || value === '' || value === false;
    if (missing) {
      if (rule.required) throw new MappingError(`missing ${rule.from ?? field}`);
      if (rule.normalize !== 'boolean' && rule.normalize !== 'number') {
        // A whole sub-object (e.g. an address) must not be shared between records.
        return typeof compiled.empty === 'object' && compiled.empty !== null
          ? getPath(CANONICAL_DEFAULTS[this.entity](), field)
          : compiled.empty;
      }
    }
    if (rule.valueMap && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
      const key = String(value).trim();
      const mapped = rule.valueMap[key] ?? rule.valueMap[key.toUpperCase()];
      if (mapped !== undefined) value = mapped;
    }
    if (typeof value === 'string' && value.length > MAX_TEXT_LENGTH) {
      throw new MappingError(`${rule.from ?? field} is ${value.length} characters long (limit ${MAX_TEXT_LENGTH})`);
    }
    if (!rule.normalize) return value;
    let country = typeof fields.country === 'string' ? fields.country : undefined;
    if (compiled.countryFromParts) {
      const raw = toText(getParts(source, compiled.countryFromParts));
      country = raw ? normalizeCountry(raw) : undefined;
    }
    return normalize(rule.normalize, value, { country });
  }

  /** The source field and source value that carry a canonical value, for corrective writes. */
  toSource(field: string, canonicalValue: unknown): { sourceField: string; value: unknown } {
    const rule = this.mapping.fields[field];
    if (!rule?.from || rule.constant !== undefined || rule.writable === false) {
      throw new MappingError(`field ${field} is not writable in ${this.system}`);
    }
    let value = canonicalValue;
    if (rule.valueMap) {
      const sourceValue = Object.entries(rule.valueMap).find(([, canonical]) => canonical === canonicalValue)?.[0];
      if (sourceValue !== undefined) value = sourceValue;
    }
    // A date goes out as an ISO-8601 instant, whatever form the change carried it in.
    if (rule.normalize === 'date') value = toDate(value)?.toISOString() ?? null;
    return { sourceField: rule.from, value };
  }
}

/**
 * Canonical values compare equal across representations: dates by instant (a `Date`, an ISO-8601 text
 * with any offset; null, undefined and '' are no date), numbers by value. Dates compare to the whole
 * second: snapshots store seconds, so a finding's date (and a change built from it) cannot say more,
 * and a target holding 10:00:00.456 holds the 10:00:00 its finding saw.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return instantSecond(a) === instantSecond(b);
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  if ((a === null || a === undefined || a === '') && (b === null || b === undefined || b === '')) return true;
  return a === b;
}

/** A date's whole second since the epoch; null for no date, NaN for a value that is not a date. */
function instantSecond(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  let ms = NaN;
  if (value instanceof Date) ms = value.getTime();
  // Only texts that name their offset (or a bare date, which is UTC): `2026-01-10 10:00:00` would be
  // read in the process's time zone.
  else if (typeof value === 'string' && /(?:Z|[+-]\d{2}:?\d{2})$|^\d{4}-\d{2}-\d{2}$/i.test(value.trim()))
    ms = Date.parse(value);
  return Math.floor(ms / 1000);
}
