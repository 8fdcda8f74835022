import { z } from 'zod';
import { IdempotentApplier } from '../apply-ledger';
import type { CanonicalRecord, EntityKind } from '../canonical-model';
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
const SALE_FIELDS = [
  'number',
  'state',
  'party',
  'party.code',
  'total_amount',
  'currency.code',
  'write_date',
  'create_date',
];

const MODEL: Partial<Record<EntityKind, { model: string; fields: string[] }>> = {
  customer: { model: 'party.party', fields: PARTY_FIELDS },
  credit_profile: { model: 'party.party', fields: PARTY_FIELDS },
  order: { model: 'sale.sale', fields: SALE_FIELDS },
};

/**
 * Tryton ERP over JSON-RPC: parties (customers, their payment terms) and sales. Extracts page by id
 * (keyset, so a resumed extract neither skips nor repeats); incremental by write/create date; writes
 * compare current values and also pass Tryton's `_timestamp` so a concurrent edit is refused by Tryton.
 */
export class TrytonConnector implements Connector {
  readonly kind = 'tryton';
  readonly capabilities: ConnectorCapabilities = {
    entities: ['customer', 'credit_profile', 'order'],
    writableEntities: ['customer'],
    incremental: true,
    changeEvents: false,
  };
  private readonly rpc: TrytonRpcClient;
  private readonly mapping: ConnectorMapping;
  private readonly pageSize: number;
  private readonly settings: z.infer<typeof settingsSchema>;
  private readonly metrics: ConnectorMetrics;
  private readonly idempotency: IdempotentApplier;

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

  private mapper<E extends EntityKind>(entity: E): EntityMapper<E> {
    const mapping = this.mapping[entity];
    const source = MODEL[entity];
    if (!mapping || !source) throw new TrytonRpcError(this.id, 'extract', 'UnsupportedEntity', entity);
    return new EntityMapper(entity, this.id, mapping);
  }

  async *extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>> {
    const mapper = this.mapper(entity);
    const { model, fields } = MODEL[entity]!;
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

  private async sourceRow(entity: EntityKind, id: number): Promise<Row | undefined> {
    const { model, fields } = MODEL[entity]!;
    const rows = (await this.rpc.model(model, 'search_read', [[['id', '=', id]], 0, 1, null, fields])) as Row[];
    return rows[0];
  }

  apply(change: RecordChange, idempotencyKey: string): Promise<ApplyResult> {
    return this.idempotency.apply(change, idempotencyKey, () => this.applyConditionally(change));
  }

  private async applyConditionally(change: RecordChange): Promise<ApplyResult> {
    if (!this.capabilities.writableEntities.includes(change.entity)) {
      return { outcome: 'rejected', reason: `entity ${change.entity} is not writable in Tryton` };
    }
    const id = Number(change.sourceKey);
    if (!Number.isInteger(id) || id <= 0)
      return { outcome: 'rejected', reason: `not a Tryton id: ${change.sourceKey}` };
    const mapper = this.mapper(change.entity);
    const row = await this.sourceRow(change.entity, id);
    const mapped = row ? mapper.map(flatten(change.entity, row)) : undefined;
    if (mapped && 'reject' in mapped)
      return { outcome: 'rejected', reason: `current record unreadable: ${mapped.reject.reason}` };
    const plan = planApply(mapper, change, mapped?.record);
    if (plan.kind === 'done') return plan.result;
    try {
      await this.writeParty(id, row!, plan.sourceValues);
    } catch (error) {
      if (error instanceof TrytonRpcError && error.isConcurrency) {
        return { outcome: 'conflict', reason: 'Tryton refused the write: the record changed since it was read' };
      }
      if (error instanceof TrytonRpcError && error.errorType === 'UserError')
        return { outcome: 'rejected', reason: error.detail };
      throw error;
    }
    return { outcome: 'applied' };
  }

  private async writeParty(id: number, row: Row, values: Record<string, unknown>): Promise<void> {
    const party: Row = {};
    const address: Row = {};
    for (const [field, value] of Object.entries(values)) {
      if (field.startsWith('address.')) address[field.slice('address.'.length)] = value;
      else if (field !== 'email' && field !== 'phone') party[field] = value;
    }
    // Tryton checks `_timestamp` and raises ConcurrencyException if the party changed since we read it.
    const guard = { _timestamp: { [`party.party,${id}`]: row._timestamp } };
    if (Object.keys(party).length) await this.rpc.model('party.party', 'write', [[id], party], guard);
    if (Object.keys(address).length) {
      const addresses = (row['addresses.'] as Row[] | undefined) ?? [];
      if (addresses.length === 0) {
        await this.rpc.model('party.address', 'create', [[{ party: id, ...address }]]);
      } else {
        await this.rpc.model('party.address', 'write', [[Number(addresses[0].id)], address]);
      }
    }
    for (const type of ['email', 'phone'] as const) {
      if (!(type in values)) continue;
      const existing = (await this.rpc.model('party.contact_mechanism', 'search', [
        [
          ['party', '=', id],
          ['type', '=', type],
        ],
        0,
        1,
        [
          ['sequence', 'ASC'],
          ['id', 'ASC'],
        ],
      ])) as number[];
      if (existing.length)
        await this.rpc.model('party.contact_mechanism', 'write', [existing, { value: values[type] }]);
      else await this.rpc.model('party.contact_mechanism', 'create', [[{ party: id, type, value: values[type] }]]);
    }
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
      total: row.total_amount,
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
    email: row.email,
    phone: row.phone,
    updated,
    paymentTerm: (row['customer_payment_term.'] as Row | null)?.name ?? '',
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
