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
import { ConnectorConfigError } from '../connector.errors';
import type { ConnectorDeps } from '../connector-factory';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { connectorHttpOptions, parseSettings } from '../connector-settings';
import { decodeCursor, encodeCursor, mapPage } from '../extract-support';
import { OAuth2ClientCredentials } from '../http/auth';
import { HttpClient } from '../http/http-client';
import { planApply } from '../mapping/apply-plan';
import { EntityMapper, mergeMapping, type ConnectorMapping } from '../mapping/entity-mapping';
import { DYNAMICS_ENTITY_SET, DYNAMICS_MAPPING, canonicalOrderStatus } from './dynamics.mapping';

const settingsSchema = z
  .object({
    /** Legal entities (dataAreaId) to read and write; absent: every company the app registration may access. */
    companies: z.array(z.string().min(1).max(4)).min(1).optional(),
    /** One legal entity (older configurations): the same as `companies: [company]`. */
    company: z.string().min(1).max(4).optional(),
  })
  .strict()
  .refine((s) => !(s.companies && s.company), { message: 'set companies or company, not both' });

type DynEntity = keyof typeof DYNAMICS_ENTITY_SET;
const isDynEntity = (e: EntityKind): e is DynEntity => e in DYNAMICS_ENTITY_SET;
type Row = Record<string, unknown>;
interface ODataPage {
  value?: Row[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}
interface DynCursor extends Record<string, unknown> {
  lastKey: string | null;
  lastCompany?: string | null;
  since: string | null;
}

const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;
const odataDateTime = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** F&O answers only the caller's default company unless a request says `cross-company=true`. */
const CROSS_COMPANY = { 'cross-company': 'true' } as const;

/**
 * Dynamics 365 Finance & Operations over OData v4: customers (with their credit terms, both from
 * CustomersV3), their contact persons (CDSContactPersonsV2) and sales order headers of every legal
 * entity (or the configured `companies`): every request says `cross-company=true`, as F&O otherwise
 * answers only the app user's default company.
 * Pages follow `@odata.nextLink`; the resume cursor is the last (key, dataAreaId) (keyset), so it
 * survives server restarts and `$skip` shifts.
 *
 * Source keys stay the entity's own number (CustomerAccount, SalesOrderNumber): they are what the
 * other systems hold, and F&O number sequences are usually shared across legal entities. A write
 * first finds the record's company with a cross-company read, then PATCHes the full key
 * `(dataAreaId=…,CustomerAccount=…)` with `If-Match` on that read's `@odata.etag`: any edit of the
 * record in between answers 412, which `writeConditionally` decides from a re-read (the record holds
 * the new values: our own earlier attempt, whose answer was lost; only other fields changed, e.g. by
 * the fix-up of the customer's name while this one sets its credit limit: planned and written again;
 * else a conflict). A number present in two companies is refused as ambiguous rather than written to
 * either.
 */
export class DynamicsConnector implements Connector {
  readonly kind = 'dynamics';
  readonly capabilities: ConnectorCapabilities = {
    entities: ['customer', 'credit_profile', 'contact', 'order'],
    writableEntities: ['customer', 'credit_profile', 'contact'],
    incremental: true,
    changeEvents: false,
  };
  private readonly http: HttpClient;
  private readonly mapping: ConnectorMapping;
  private readonly metrics: ConnectorMetrics;
  /** Lower-case dataAreaIds to restrict to; null for every company. */
  readonly companies: string[] | null;
  private readonly idempotency: IdempotentApplier;
  private readonly writes: ConditionalWrites = {
    write: async ([change]) => [await this.writeWithETag(change)],
    reread: (changes) => Promise.all(changes.map((change) => this.current(change))),
    mapper: (entity) => this.mapper(entity),
  };

  constructor(
    readonly config: ConnectorConfig,
    deps: ConnectorDeps = {},
  ) {
    if (config.auth.type !== 'oauth2-client-credentials') {
      throw new ConnectorConfigError(`connector ${config.id} (dynamics): auth must be oauth2-client-credentials`);
    }
    const settings = parseSettings(config, settingsSchema);
    const companies = settings.companies ?? (settings.company ? [settings.company] : null);
    this.companies = companies ? [...new Set(companies.map((c) => c.toLowerCase()))] : null;
    this.idempotency = new IdempotentApplier(config.id, deps.applyLedger);
    this.metrics = deps.metrics ?? connectorMetrics();
    this.http = new HttpClient({
      ...connectorHttpOptions(config, deps, this.metrics),
      auth: new OAuth2ClientCredentials({
        tokenUrl: config.auth.tokenUrl,
        clientId: config.auth.clientId,
        clientSecret: config.auth.clientSecret,
        scope: config.auth.scope,
      }),
    });
    this.mapping = mergeMapping(DYNAMICS_MAPPING, config.mapping);
  }

  get id(): string {
    return this.config.id;
  }

  private mapper<E extends EntityKind>(entity: E): EntityMapper<E> {
    const mapping = this.mapping[entity];
    if (!mapping || !isDynEntity(entity))
      throw new ConnectorConfigError(`dynamics connector does not extract ${entity}`);
    return new EntityMapper(entity, this.id, mapping);
  }

  private entityUrl(entity: DynEntity, company: string, key: string): string {
    const keyField = this.mapping[entity]!.key;
    return `/data/${DYNAMICS_ENTITY_SET[entity]}(dataAreaId=${odataString(company)},${keyField}=${odataString(key)})`;
  }

  /** `(dataAreaId eq 'a' or dataAreaId eq 'b')` for configured companies, null for all. */
  private companyFilter(): string | null {
    if (!this.companies) return null;
    return `(${this.companies.map((c) => `dataAreaId eq ${odataString(c)}`).join(' or ')})`;
  }

  async *extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>> {
    const mapper = this.mapper(entity);
    if (!isDynEntity(entity)) return;
    const keyField = this.mapping[entity]!.key;
    const stamp = this.mapping[entity]!.updatedAt ?? 'ModifiedDateTime';
    const state: DynCursor = options.cursor
      ? decodeCursor<DynCursor>(this.id, entity, options.cursor)
      : { lastKey: null, since: options.mode === 'incremental' && options.since ? odataDateTime(options.since) : null };
    const filters: string[] = [];
    const companies = this.companyFilter();
    if (companies) filters.push(companies);
    if (state.since) filters.push(`${stamp} ge ${state.since}`);
    if (options.keys) {
      filters.push(`(${options.keys.map((k) => `${keyField} eq ${odataString(k)}`).join(' or ') || 'false'})`);
    }
    if (state.lastKey !== null) {
      const last = odataString(state.lastKey);
      // Cursors from before cross-company reads carry no company: resume after the key.
      filters.push(
        typeof state.lastCompany === 'string'
          ? `(${keyField} gt ${last} or (${keyField} eq ${last} and dataAreaId gt ${odataString(state.lastCompany)}))`
          : `${keyField} gt ${last}`,
      );
    }
    let path: string | null = `/data/${DYNAMICS_ENTITY_SET[entity]}`;
    let query: Record<string, string> | undefined = {
      ...CROSS_COMPANY,
      $orderby: `${keyField},dataAreaId`,
      ...(filters.length ? { $filter: filters.join(' and ') } : {}),
      ...(options.cursor ? {} : { $count: 'true' }),
    };
    let total: number | undefined;
    while (path) {
      const response = await this.http.request({
        method: 'GET',
        path,
        query,
        headers: { prefer: `odata.maxpagesize=${this.config.pageSize}` },
        signal: options.signal,
      });
      const page = response.body as ODataPage;
      total ??= page['@odata.count'];
      const rows = page.value ?? [];
      const last = rows.at(-1);
      if (typeof last?.[keyField] === 'string') {
        state.lastKey = last[keyField];
        state.lastCompany = typeof last.dataAreaId === 'string' ? last.dataAreaId.toLowerCase() : null;
      }
      path = page['@odata.nextLink'] ?? null;
      query = undefined;
      const mapped = mapPage(mapper, entity === 'order' ? rows.map(withCanonicalStatus) : rows, this.metrics);
      yield {
        ...mapped,
        cursor: path ? encodeCursor(this.id, entity, state) : null,
        ...(total !== undefined && !options.cursor ? { total } : {}),
      };
    }
  }

  async read<E extends EntityKind>(entity: E, keys: string[]): Promise<CanonicalRecord<E>[]> {
    const records: CanonicalRecord<E>[] = [];
    for (let i = 0; i < keys.length; i += 50) {
      for await (const batch of this.extract(entity, { mode: 'full', keys: keys.slice(i, i + 50) }))
        records.push(...batch.records);
    }
    return records;
  }

  apply(change: RecordChange, idempotencyKey: string): Promise<ApplyResult> {
    return this.idempotency.apply(
      change,
      idempotencyKey,
      async () => (await writeConditionally([change], this.writes))[0],
    );
  }

  /** The record's rows in every configured company (one, unless its number is reused across companies). */
  private async locate(entity: DynEntity, key: string): Promise<Row[]> {
    const keyField = this.mapping[entity]!.key;
    const companies = this.companyFilter();
    const response = await this.http.request({
      method: 'GET',
      path: `/data/${DYNAMICS_ENTITY_SET[entity]}`,
      query: {
        ...CROSS_COMPANY,
        $filter: [`${keyField} eq ${odataString(key)}`, ...(companies ? [companies] : [])].join(' and '),
      },
    });
    return (response.body as ODataPage).value ?? [];
  }

  /** The change's record as it is now; undefined when gone, ambiguous or unreadable. */
  private async current(change: RecordChange): Promise<CanonicalRecord | undefined> {
    if (!isDynEntity(change.entity)) return undefined;
    const rows = await this.locate(change.entity, change.sourceKey);
    const mapped = rows.length === 1 ? this.mapper(change.entity).map(rows[0]) : undefined;
    return mapped && 'record' in mapped ? mapped.record : undefined;
  }

  /** Locate, plan and PATCH one change with `If-Match` on the ETag it was planned from. */
  private async writeWithETag(change: RecordChange): Promise<WriteAttempt> {
    if (!isDynEntity(change.entity) || !this.capabilities.writableEntities.includes(change.entity)) {
      return { outcome: 'rejected', reason: `entity ${change.entity} is not writable in Dynamics` };
    }
    const mapper = this.mapper(change.entity);
    const rows = await this.locate(change.entity, change.sourceKey);
    if (rows.length > 1) {
      const where = rows.map((r) => String(r.dataAreaId)).join(', ');
      return { outcome: 'rejected', reason: `${change.sourceKey} exists in several legal entities (${where})` };
    }
    const row = rows[0];
    const mapped = row ? mapper.map(row) : undefined;
    if (mapped && 'reject' in mapped)
      return { outcome: 'rejected', reason: `current record unreadable: ${mapped.reject.reason}` };
    const plan = planApply(mapper, change, mapped?.record);
    if (plan.kind === 'done') return plan.result;
    if (change.entity === 'credit_profile' && this.changesCustomerStatus(row, plan.sourceValues)) {
      return {
        outcome: 'rejected',
        reason: 'the write would change the customer status (OnHoldStatus), not only its credit',
      };
    }
    const etag = row['@odata.etag'];
    const company = row.dataAreaId;
    if (typeof etag !== 'string') return { outcome: 'rejected', reason: 'Dynamics sent no ETag to write against' };
    if (typeof company !== 'string') return { outcome: 'rejected', reason: 'Dynamics sent no dataAreaId' };
    const written = await this.http.request({
      method: 'PATCH',
      path: this.entityUrl(change.entity, company, change.sourceKey),
      query: CROSS_COMPANY,
      json: plan.sourceValues,
      headers: { 'if-match': etag },
      // With If-Match, sending the same PATCH again cannot overwrite a newer edit: it answers 412.
      idempotent: true,
      accept: [400, 404, 412],
    });
    if (written.status === 412)
      return preconditionFailed('the record changed since it was read (412 Precondition Failed)');
    if (written.status === 400 || written.status === 404) {
      const error = (written.body as { error?: { message?: string } } | undefined)?.error;
      return { outcome: 'rejected', reason: error?.message ?? `HTTP ${written.status}` };
    }
    return { outcome: 'applied' };
  }

  /**
   * Credit hold and customer status share CustomersV3.OnHoldStatus: lifting a credit hold (→ No) on
   * a customer held for All would unblock the customer, which is a customer decision, not a credit one.
   */
  private changesCustomerStatus(row: Row, sourceValues: Record<string, unknown>): boolean {
    const customerMapping = this.mapping.customer;
    if (!customerMapping) return false;
    const customer = new EntityMapper('customer', this.id, customerMapping);
    const before = customer.map(row);
    const after = customer.map({ ...row, ...sourceValues });
    return 'record' in before && 'record' in after && before.record.fields.status !== after.record.fields.status;
  }

  async health(): Promise<ConnectorHealth> {
    const started = performance.now();
    try {
      await this.http.request({
        method: 'GET',
        path: '/data/CustomersV3',
        query: { ...CROSS_COMPANY, $top: '1', $select: 'CustomerAccount' },
      });
      return { up: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { up: false, latencyMs: Math.round(performance.now() - started), detail: (error as Error).message };
    }
  }
}

function withCanonicalStatus(row: Row): Row {
  return { ...row, CanonicalStatus: canonicalOrderStatus(row.SalesOrderStatus, row.SalesOrderProcessingStatus) };
}
