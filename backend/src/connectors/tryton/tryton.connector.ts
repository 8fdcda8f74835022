import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { IdempotentApplier } from '../apply-ledger';
import type { CanonicalRecord, EntityKind } from '../canonical-model';
import {
  preconditionFailed,
  writeConditionally,
  type ConditionalWrites,
  type WriteAttempt,
} from '../conditional-write';
import type { ConnectorConfig } from '../config/connectors-config';
import type {
  ApplyResult,
  Connector,
  ConnectorCapabilities,
  ConnectorHealth,
  ExtractBatch,
  ExtractOptions,
  RecordChange,
} from '../connector';
import type { ConnectorDeps } from '../connector-factory';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { connectorHttpOptions, parseSettings, requireBaseUrl, secretSetting } from '../connector-settings';
import { decodeCursor, encodeCursor, mapPage } from '../extract-support';
import { HttpClient } from '../http/http-client';
import { planApply } from '../mapping/apply-plan';
import { EntityMapper, mergeMapping, type ConnectorMapping } from '../mapping/entity-mapping';
import { TRYTON_MAPPING } from './tryton.mapping';
import { TrytonRpcClient, TrytonRpcError, TrytonSessionAuth, trytonDateTime } from './tryton-rpc.client';

const settingsSchema = z
  .object({
    database: z.string().min(1),
    username: z.string().min(1).default('admin'),
    password: secretSetting,
    /** Extra search domain per entity, e.g. only parties of a category: `{ customer: [["categories.name","=","Customer"]] }`. */
    domains: z.record(z.string(), z.array(z.unknown())).default({}),
    /** Read and write `party.credit_limit_amount` (module account_credit_limit); false where it is not activated. */
    creditLimit: z.boolean().default(true),
  })
  .strict();

type Row = Record<string, unknown>;
interface TrytonCursor extends Record<string, unknown> {
  afterId: number;
  since: string | null;
}

const PARTY_FIELDS = [
  'code',
  'name',
  'active',
  'write_date',
  'create_date',
  '_timestamp',
  'email',
  'phone',
  'addresses.street',
  'addresses.city',
  'addresses.postal_code',
  'addresses.subdivision.code',
  'addresses.country.code',
  'customer_payment_term.name',
];
const CREDIT_LIMIT_FIELD = 'credit_limit_amount';
/** Where Tryton stores a party's credit limit: one record per company (a MultiValue), not the party row. */
const CREDIT_LIMIT_MODEL = 'party.party.credit_limit_amount';
/** Read before a credit limit write: the stored value records, whose versions guard it too. */
const CREDIT_LIMIT_GUARD_FIELDS = ['credit_limit_amounts.company', 'credit_limit_amounts._timestamp'];
/**
 * Read before a party write, in the same read as the party: the address and contact mechanism records
 * its address, email and phone come from, with the versions that guard writes to them.
 */
const PARTY_GUARD_FIELDS = [
  'addresses._timestamp',
  'contact_mechanisms.type',
  'contact_mechanisms.value',
  'contact_mechanisms._timestamp',
];
const CONTACT_TYPES = ['email', 'phone'] as const;
/** A record besides the party row that a party write changes, as read; none when it is to be created. */
interface PartyPart {
  kind: 'address' | (typeof CONTACT_TYPES)[number];
  record: Row | undefined;
}
const PART_MODEL: Record<PartyPart['kind'], string> = {
  address: 'party.address',
  email: 'party.contact_mechanism',
  phone: 'party.contact_mechanism',
};
const SALE_FIELDS = [
  'number',
  'state',
  'party',
  'party.code',
  'total_amount',
  'currency.code',
  'write_date',
  'create_date',
  '_timestamp',
];

/**
 * Sale workflow buttons by the state they lead to. `done` is reached by Tryton itself (shipments and
 * invoices), so it cannot be written.
 */
const SALE_FORWARD = ['draft', 'quotation', 'confirmed', 'processing'] as const;
const SALE_BUTTON: Record<string, string> = {
  quotation: 'quote',
  confirmed: 'confirm',
  processing: 'process',
  cancelled: 'cancel',
  draft: 'draft',
};

/** Reads of a record before a write, at most, while its version is too recent to guard the write. */
const SETTLE_READS = 4;

const MODEL: Partial<Record<EntityKind, { model: string; fields: string[] }>> = {
  customer: { model: 'party.party', fields: PARTY_FIELDS },
  credit_profile: { model: 'party.party', fields: PARTY_FIELDS },
  order: { model: 'sale.sale', fields: SALE_FIELDS },
};

/**
 * Tryton ERP over JSON-RPC: parties (customers; credit profiles: payment terms and the credit limit
 * of account_credit_limit) and sales. Extracts page by id (keyset, so a resumed extract neither skips
 * nor repeats); incremental by write/create date. Writes compare current values and pass Tryton's
 * `_timestamp` so a concurrent edit is refused by Tryton (ConcurrencyException, decided by
 * `writeConditionally` from a re-read: an edit of other fields of the party, such as another
 * fix-up of it, leaves the change to be written again; an edit of its own fields is a conflict): a
 * customer's fields, address, email and phone and the credit limit in one `party.party.write` (one
 * transaction, guarded by the versions of the party and of every record it changes: see `writeParty`),
 * a sale's status by running its workflow buttons (quote, confirm, process, cancel, draft) one step at
 * a time, each guarded by the timestamp it was read at. A version too recent for Tryton's check to
 * tell apart from the next edit is read again first (`settleWaitMs`).
 */
export class TrytonConnector implements Connector {
  readonly kind = 'tryton';
  readonly capabilities: ConnectorCapabilities = {
    entities: ['customer', 'credit_profile', 'order'],
    writableEntities: ['customer', 'credit_profile', 'order'],
    incremental: true,
    changeEvents: false,
  };
  private readonly rpc: TrytonRpcClient;
  private readonly mapping: ConnectorMapping;
  private readonly pageSize: number;
  private readonly settings: z.infer<typeof settingsSchema>;
  private readonly metrics: ConnectorMetrics;
  private readonly idempotency: IdempotentApplier;
  private readonly writes: ConditionalWrites = {
    write: async ([change]) => [await this.writeSettled(change)],
    reread: (changes) => Promise.all(changes.map((change) => this.current(change))),
    mapper: (entity) => this.mapper(entity),
  };

  constructor(
    readonly config: ConnectorConfig,
    deps: ConnectorDeps = {},
  ) {
    const baseUrl = requireBaseUrl(config).replace(/\/+$/, '');
    this.settings = parseSettings(config, settingsSchema);
    this.metrics = deps.metrics ?? connectorMetrics();
    const auth = new TrytonSessionAuth(baseUrl, this.settings.database, this.settings.username, this.settings.password);
    const http = new HttpClient({
      ...connectorHttpOptions(config, deps, this.metrics),
      baseUrl,
      auth,
      // SQLite-backed Tryton takes one writer at a time: keep calls serial.
      rateLimit: { maxConcurrent: 1, ...config.rateLimit },
    });
    this.rpc = new TrytonRpcClient(http, this.settings.database);
    this.mapping = mergeMapping(TRYTON_MAPPING, config.mapping);
    this.idempotency = new IdempotentApplier(config.id, deps.applyLedger);
    this.pageSize = config.pageSize;
  }

  get id(): string {
    return this.config.id;
  }

  /** The fields read for an entity (the credit limit only where its module is activated). */
  private fieldsOf(entity: EntityKind): string[] {
    const { fields } = MODEL[entity]!;
    return fields === PARTY_FIELDS && this.settings.creditLimit ? [...fields, CREDIT_LIMIT_FIELD] : fields;
  }

  private mapper<E extends EntityKind>(entity: E): EntityMapper<E> {
    const mapping = this.mapping[entity];
    const source = MODEL[entity];
    if (!mapping || !source) throw new TrytonRpcError(this.id, 'extract', 'UnsupportedEntity', entity);
    return new EntityMapper(entity, this.id, mapping);
  }

  async *extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>> {
    const mapper = this.mapper(entity);
    const { model } = MODEL[entity]!;
    const fields = this.fieldsOf(entity);
    const state: TrytonCursor = options.cursor
      ? decodeCursor<TrytonCursor>(this.id, entity, options.cursor)
      : { afterId: 0, since: options.mode === 'incremental' && options.since ? options.since.toISOString() : null };
    const filter: unknown[] = [...(this.settings.domains[entity] ?? [])];
    if (state.since) {
      const since = trytonDateTime(new Date(state.since));
      filter.push(['OR', ['write_date', '>=', since], ['create_date', '>=', since]]);
    }
    if (options.keys) filter.push(['id', 'in', options.keys.map(Number).filter(Number.isInteger)]);
    const total = options.cursor
      ? undefined
      : ((await this.rpc.model(model, 'search_count', [filter], {}, options.signal)) as number);
    for (;;) {
      const rows = (await this.rpc.model(
        model,
        'search_read',
        [[...filter, ['id', '>', state.afterId]], 0, this.pageSize, [['id', 'ASC']], fields],
        {},
        options.signal,
      )) as Row[];
      state.afterId = rows.length ? Number(rows[rows.length - 1].id) : state.afterId;
      const page = mapPage(
        mapper,
        rows.map((row) => flatten(entity, row)),
        this.metrics,
      );
      const done = rows.length < this.pageSize;
      yield {
        ...page,
        cursor: done ? null : encodeCursor(this.id, entity, state),
        ...(total !== undefined ? { total } : {}),
      };
      if (done) return;
    }
  }

  async read<E extends EntityKind>(entity: E, keys: string[]): Promise<CanonicalRecord<E>[]> {
    const records: CanonicalRecord<E>[] = [];
    for await (const batch of this.extract(entity, { mode: 'full', keys })) records.push(...batch.records);
    return records;
  }

  /** The record as a write finds it, with the server's clock when it was read. */
  private async sourceRow(entity: EntityKind, id: number): Promise<{ row: Row | undefined; serverTimeMs: number }> {
    const { model } = MODEL[entity]!;
    const read = this.fieldsOf(entity);
    const fields =
      model !== 'party.party'
        ? read
        : [...read, ...PARTY_GUARD_FIELDS, ...(read.includes(CREDIT_LIMIT_FIELD) ? CREDIT_LIMIT_GUARD_FIELDS : [])];
    const { result, serverTimeMs } = await this.rpc.modelAt(model, 'search_read', [
      [['id', '=', id]],
      0,
      1,
      null,
      fields,
    ]);
    return { row: (result as Row[])[0], serverTimeMs };
  }

  /**
   * The `_timestamp` guard of a write: the versions, as read, of every record it changes. The credit
   * limit lives in its value record of the working company (or of none). Edits over RPC reach it only
   * through the party and move the party's version too; server-side code (a module, a script) can
   * change it without touching the party row. Addresses and contact mechanisms are edited on their own
   * (their list views, scripts) without moving the party's version: each guards itself. A record to
   * be created has no version (see `addedSinceRead`).
   */
  private async versionsOf(
    entity: EntityKind,
    id: number,
    row: Row,
    sourceValues: Record<string, unknown>,
  ): Promise<Record<string, string>> {
    const { model } = MODEL[entity]!;
    const versions: Record<string, string> = { [`${model},${id}`]: String(row._timestamp) };
    if (model === 'party.party' && 'creditLimit' in sourceValues) {
      const company = (await this.rpc.preferences()).company ?? null;
      for (const value of (row['credit_limit_amounts.'] as Row[] | undefined) ?? []) {
        if (value.company === null || value.company === company)
          versions[`${CREDIT_LIMIT_MODEL},${String(value.id)}`] = String(value._timestamp);
      }
    }
    if (model === 'party.party') {
      for (const { kind, record } of partyParts(row, sourceValues))
        if (record) versions[`${PART_MODEL[kind]},${String(record.id)}`] = String(record._timestamp);
    }
    return versions;
  }

  apply(change: RecordChange, idempotencyKey: string): Promise<ApplyResult> {
    return this.idempotency.apply(
      change,
      idempotencyKey,
      async () => (await writeConditionally([change], this.writes))[0],
    );
  }

  /** The change's record as it is now; undefined when gone, unreadable or not a Tryton id. */
  private async current(change: RecordChange): Promise<CanonicalRecord | undefined> {
    const id = Number(change.sourceKey);
    if (!MODEL[change.entity] || !Number.isInteger(id) || id <= 0) return undefined;
    const { row } = await this.sourceRow(change.entity, id);
    const mapped = row ? this.mapper(change.entity).map(flatten(change.entity, row)) : undefined;
    return mapped && 'record' in mapped ? mapped.record : undefined;
  }

  /** Read, plan and write one change guarded by the versions read, once they can guard it. */
  private async writeSettled(change: RecordChange): Promise<WriteAttempt> {
    if (!this.capabilities.writableEntities.includes(change.entity)) {
      return { outcome: 'rejected', reason: `entity ${change.entity} is not writable in Tryton` };
    }
    const id = Number(change.sourceKey);
    if (!Number.isInteger(id) || id <= 0)
      return { outcome: 'rejected', reason: `not a Tryton id: ${change.sourceKey}` };
    const mapper = this.mapper(change.entity);
    for (let read = 1; ; read++) {
      const { row, serverTimeMs } = await this.sourceRow(change.entity, id);
      const mapped = row ? mapper.map(flatten(change.entity, row)) : undefined;
      if (mapped && 'reject' in mapped)
        return { outcome: 'rejected', reason: `current record unreadable: ${mapped.reject.reason}` };
      // Compare-and-set: the values as read now decide (conflict, already applied, or what to write)…
      const plan = planApply(mapper, change, mapped?.record);
      if (plan.kind === 'done') return plan.result;
      // …and the versions read with them make Tryton refuse the write if any of those records changed since.
      const versions = await this.versionsOf(change.entity, id, row!, plan.sourceValues);
      const waitMs = settleWaitMs(Object.values(versions), serverTimeMs);
      if (waitMs === 0) return this.write(change, id, row!, plan.sourceValues, versions);
      if (read === SETTLE_READS) {
        return { outcome: 'conflict', reason: 'the record keeps changing in Tryton: not written, try again later' };
      }
      await sleep(waitMs);
    }
  }

  private async write(
    change: RecordChange,
    id: number,
    row: Row,
    values: Record<string, unknown>,
    versions: Record<string, string>,
  ): Promise<WriteAttempt> {
    try {
      if (change.entity === 'order') {
        const target = values.state;
        const refused = await this.moveSale(id, row, typeof target === 'string' ? target : '');
        if (refused) return { outcome: 'rejected', reason: refused };
      } else {
        const added = await this.addedSinceRead(id, row, values);
        if (added) return preconditionFailed(`${added} was added in Tryton since the party was read`);
        await this.writeParty(id, row, values, versions);
      }
    } catch (error) {
      if (error instanceof TrytonRpcError && error.isConcurrency)
        return preconditionFailed('Tryton refused the write: the record changed since it was read');
      if (error instanceof TrytonRpcError && error.errorType === 'UserError')
        return { outcome: 'rejected', reason: error.detail };
      throw error;
    }
    return { outcome: 'applied' };
  }

  /**
   * What a write would create that someone added since `row` was read: an address, or an email or
   * phone contact mechanism; null when none. A create has no version to guard it, and a second
   * address or email would not replace the first (the canonical customer shows the first): the change
   * is refused, and the re-read decides it on the record added. An addition on the party form moves
   * the party's version, which guards the write that follows; a direct one landing between this search
   * and that write (milliseconds) is not seen.
   */
  private async addedSinceRead(id: number, row: Row, values: Record<string, unknown>): Promise<string | null> {
    const missing = partyParts(row, values)
      .filter((part) => !part.record)
      .map((part) => part.kind);
    const types = missing.filter((kind) => kind !== 'address');
    if (missing.includes('address') && (await this.exists('party.address', [['party', '=', id]]))) return 'an address';
    const sameType = [
      ['party', '=', id],
      ['type', 'in', types],
    ];
    if (types.length && (await this.exists('party.contact_mechanism', sameType)))
      return `a contact mechanism (${types.join(' or ')})`;
    return null;
  }

  /** Whether an active record matches `domain`, as the party's one2many reads count them. */
  private async exists(model: string, domain: unknown[]): Promise<boolean> {
    return ((await this.rpc.model(model, 'search', [domain, 0, 1, null])) as number[]).length > 0;
  }

  /**
   * One `party.party.write` for the party's fields, its first address and its email and phone (each
   * the record whose value was read; created when there was none), so that a fix-up lands whole or not
   * at all. Separate calls would be separate transactions: a refused address after a written name
   * would leave a half-applied fix-up that the re-read calls a conflict. Tryton writes and creates
   * one2many records inside the parent's write (trytond model/fields/one2many.py `One2Many.set`:
   * `Target.write`, `Target.create`), in the one transaction of the call, rolled back on any error.
   * The party row is written too (its write date moves, so incremental extracts see the change), as
   * when its form is saved in Tryton.
   */
  private async writeParty(
    id: number,
    row: Row,
    values: Record<string, unknown>,
    versions: Record<string, string>,
  ): Promise<void> {
    const party: Row = {};
    const address: Row = {};
    for (const [field, value] of Object.entries(values)) {
      if (field.startsWith('address.')) address[field.slice('address.'.length)] = value;
      else if (field === 'creditLimit')
        party[CREDIT_LIMIT_FIELD] = value === null ? null : { __class__: 'Decimal', decimal: Number(value).toFixed(2) };
      else if (field !== 'email' && field !== 'phone') party[field] = value;
    }
    const mechanisms: unknown[] = [];
    for (const { kind, record } of partyParts(row, values)) {
      if (kind === 'address') party.addresses = [record ? ['write', [record.id], address] : ['create', [address]]];
      else {
        const value = values[kind];
        mechanisms.push(record ? ['write', [record.id], { value }] : ['create', [{ type: kind, value }]]);
      }
    }
    if (mechanisms.length) party.contact_mechanisms = mechanisms;
    // trytond rpc.py `RPC.convert` makes the context's `_timestamp` the transaction's; every
    // `ModelSQL.write` in it (the party's, the credit limit value's, the address's, the contact
    // mechanisms') first runs model/modelsql.py `__check_timestamp(ids)`: it pops the
    // "<model>,<id>" entries of the records it writes (others are not checked) and raises
    // ConcurrencyException where EXTRACT(EPOCH FROM COALESCE(write_date, create_date)) differs.
    await this.rpc.model('party.party', 'write', [[id], party], { _timestamp: versions });
  }

  /**
   * Moves a sale to `target` through its workflow buttons, one step at a time, each call guarded by
   * the `_timestamp` the sale had when read (the first by the caller's read). Returns why a move is
   * impossible, or null when done.
   */
  private async moveSale(id: number, row: Row, target: string): Promise<string | null> {
    const from = String(row.state);
    let steps: string[];
    const fromIndex = SALE_FORWARD.indexOf(from as (typeof SALE_FORWARD)[number]);
    const toIndex = SALE_FORWARD.indexOf(target as (typeof SALE_FORWARD)[number]);
    if (target === 'cancelled' && (from === 'draft' || from === 'quotation')) steps = ['cancelled'];
    else if (target === 'draft' && (from === 'quotation' || from === 'cancelled')) steps = ['draft'];
    else if (fromIndex >= 0 && toIndex > fromIndex) steps = SALE_FORWARD.slice(fromIndex + 1, toIndex + 1);
    else return `Tryton has no workflow step from ${from} to ${target || 'that status'}`;
    let timestamp = row._timestamp;
    for (const step of steps) {
      await this.rpc.model('sale.sale', SALE_BUTTON[step], [[id]], {
        _timestamp: { [`sale.sale,${id}`]: timestamp },
      });
      const [now] = (await this.rpc.model('sale.sale', 'read', [[id], ['state', '_timestamp']])) as Row[];
      timestamp = now._timestamp;
    }
    return null;
  }

  async health(): Promise<ConnectorHealth> {
    const started = performance.now();
    try {
      // Proves the server, the database and the credentials, not just the port.
      await this.rpc.call('model.res.user.get_preferences', [true, {}]);
      return { up: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { up: false, latencyMs: Math.round(performance.now() - started), detail: (error as Error).message };
    }
  }
}

/**
 * How long to wait before a version read at `serverTimeMs` can guard a write; 0 when it can now.
 * Tryton's check compares EXTRACT(EPOCH FROM write_date) with `!=`; on SQLite that is whole seconds, so
 * an edit in the same second as the version we read leaves it unchanged and our write would overwrite
 * the edit unnoticed. A whole-second version is trusted once the server's clock at our read is 2 s past
 * it: its second was over when we read, with a second of margin for a write that took its time in that
 * second and committed just after. PostgreSQL versions have microseconds: Tryton tells them apart itself.
 */
export function settleWaitMs(versions: string[], serverTimeMs: number): number {
  let waitMs = 0;
  for (const version of versions) {
    const seconds = Number(version);
    if (!Number.isInteger(seconds)) continue;
    waitMs = Math.max(waitMs, (seconds + 2) * 1000 - serverTimeMs);
  }
  return waitMs;
}

/**
 * The records besides the party row that a write of `values` changes, as read in `row`: its first
 * address (the one `flatten` maps) and its email and phone contact mechanisms; undefined for one to
 * be created.
 */
function partyParts(row: Row, values: Record<string, unknown>): PartyPart[] {
  const parts: PartyPart[] = [];
  if (Object.keys(values).some((field) => field.startsWith('address.')))
    parts.push({ kind: 'address', record: ((row['addresses.'] as Row[] | undefined) ?? [])[0] });
  for (const type of CONTACT_TYPES) if (type in values) parts.push({ kind: type, record: contactMechanism(row, type) });
  return parts;
}

/**
 * A party's email or phone record as Tryton picks it for the party's `email` and `phone`
 * (modules/party/party.py `get_mechanism`): the first of that type in `contact_mechanisms`, in the
 * order the read returns them (the one2many's order, the same in both).
 */
function contactMechanism(row: Row, type: string): Row | undefined {
  return (row['contact_mechanisms.'] as Row[] | undefined)?.find((mechanism) => mechanism.type === type);
}

/**
 * A party's email or phone. Where its contact mechanisms were read (before a write) it is the value
 * of the record a write changes, so the plan and the guard stand on one record.
 */
function contactValue(row: Row, type: string): unknown {
  return row['contact_mechanisms.'] ? (contactMechanism(row, type)?.value ?? '') : row[type];
}

/** One flat row per record: the first address and the many2one codes lifted out of Tryton's nested reads. */
function flatten(entity: EntityKind, row: Row): Row {
  const updated = row.write_date ?? row.create_date;
  if (entity === 'order') {
    return {
      id: row.id,
      number: row.number,
      state: row.state,
      partyId: row.party,
      partyCode: (row['party.'] as Row | null)?.code ?? '',
      total: decimalOf(row.total_amount),
      currency: (row['currency.'] as Row | null)?.code ?? '',
      updated,
    };
  }
  const address = ((row['addresses.'] as Row[] | undefined) ?? [])[0];
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    active: row.active,
    email: contactValue(row, 'email'),
    phone: contactValue(row, 'phone'),
    updated,
    paymentTerm: (row['customer_payment_term.'] as Row | null)?.name ?? '',
    creditLimit: decimalOf(row[CREDIT_LIMIT_FIELD]),
    address: address
      ? {
          street: address.street,
          city: address.city,
          postal_code: address.postal_code,
          subdivision: (address['subdivision.'] as Row | null)?.code ?? '',
          country: (address['country.'] as Row | null)?.code ?? '',
        }
      : {},
  };
}

/** Tryton sends Decimals as `{"__class__":"Decimal","decimal":"15000.00"}`. */
function decimalOf(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && (value as Row).__class__ === 'Decimal')
    return Number((value as Row).decimal);
  return value;
}
