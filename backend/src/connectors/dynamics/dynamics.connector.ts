import { z } from 'zod';
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
import { ConnectorConfigError } from '../connector.errors';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { connectorHttpOptions, parseSettings } from '../connector-settings';
import { decodeCursor, encodeCursor, mapPage } from '../extract-support';
import { OAuth2ClientCredentials } from '../http/auth';
import { HttpClient } from '../http/http-client';
import { planApply } from '../mapping/apply-plan';
import { EntityMapper, mergeMapping, type ConnectorMapping } from '../mapping/entity-mapping';
import { DYNAMICS_ENTITY_SET, DYNAMICS_MAPPING, canonicalOrderStatus } from './dynamics.mapping';

const settingsSchema = z.object({ company: z.string().min(1).default('usmf') }).strict();

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
  since: string | null;
}

const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;
const odataDateTime = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Dynamics 365 Finance & Operations over OData v4: customers, credit limits, sales order headers of
 * one legal entity. Pages follow `@odata.nextLink`; the resume cursor is the last key (keyset), so it
 * survives server restarts and `$skip` shifts. Writes PATCH with `If-Match` on the ETag read just
 * before: a record edited in between answers 412, reported as a conflict.
 */
export class DynamicsConnector implements Connector {
  readonly kind = 'dynamics';
  readonly capabilities: ConnectorCapabilities = {
    entities: ['customer', 'credit_profile', 'order'],
    writableEntities: ['customer', 'credit_profile'],
    incremental: true,
    changeEvents: false,
  };
  private readonly http: HttpClient;
  private readonly mapping: ConnectorMapping;
  private readonly metrics: ConnectorMetrics;
  private readonly company: string;

  constructor(
    readonly config: ConnectorConfig,
    deps: { fetch?: typeof fetch; metrics?: ConnectorMetrics } = {},
  ) {
    if (config.auth.type !== 'oauth2-client-credentials') {
      throw new ConnectorConfigError(`connector ${config.id} (dynamics): auth must be oauth2-client-credentials`);
    }
    this.company = parseSettings(config, settingsSchema).company;
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

  private entityUrl(entity: DynEntity, key: string): string {
    const keyField = this.mapping[entity]!.key;
    return `/data/${DYNAMICS_ENTITY_SET[entity]}(dataAreaId=${odataString(this.company)},${keyField}=${odataString(key)})`;
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
    if (state.since) filters.push(`${stamp} ge ${state.since}`);
    if (options.keys) {
      filters.push(`(${options.keys.map((k) => `${keyField} eq ${odataString(k)}`).join(' or ') || 'false'})`);
    }
    if (state.lastKey !== null) filters.push(`${keyField} gt ${odataString(state.lastKey)}`);
    let path: string | null = `/data/${DYNAMICS_ENTITY_SET[entity]}`;
    let query: Record<string, string> | undefined = {
      $orderby: keyField,
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
      const rows = (page.value ?? []).filter((r) => !r.dataAreaId || r.dataAreaId === this.company);
      const last = rows.at(-1)?.[keyField];
      if (typeof last === 'string') state.lastKey = last;
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

  async apply(change: RecordChange, _idempotencyKey: string): Promise<ApplyResult> {
    if (!isDynEntity(change.entity) || !this.capabilities.writableEntities.includes(change.entity)) {
      return { outcome: 'rejected', reason: `entity ${change.entity} is not writable in Dynamics` };
    }
    const mapper = this.mapper(change.entity);
    const url = this.entityUrl(change.entity, change.sourceKey);
    const current = await this.http.request({ method: 'GET', path: url, accept: [404] });
    const mapped = current.status === 404 ? undefined : mapper.map(current.body);
    if (mapped && 'reject' in mapped)
      return { outcome: 'rejected', reason: `current record unreadable: ${mapped.reject.reason}` };
    const plan = planApply(mapper, change, mapped?.record);
    if (plan.kind === 'done') return plan.result;
    const etag = current.headers.get('etag') ?? (current.body as Row)['@odata.etag'];
    if (typeof etag !== 'string') return { outcome: 'rejected', reason: 'Dynamics sent no ETag to write against' };
    const written = await this.http.request({
      method: 'PATCH',
      path: url,
      json: plan.sourceValues,
      headers: { 'if-match': etag },
      // With If-Match, sending the same PATCH again cannot overwrite a newer edit: it answers 412.
      idempotent: true,
      accept: [400, 404, 412],
    });
    if (written.status === 412) {
      return { outcome: 'conflict', reason: 'the record changed since it was read (412 Precondition Failed)' };
    }
    if (written.status === 400 || written.status === 404) {
      const error = (written.body as { error?: { message?: string } } | undefined)?.error;
      return { outcome: 'rejected', reason: error?.message ?? `HTTP ${written.status}` };
    }
    return { outcome: 'applied' };
  }

  async health(): Promise<ConnectorHealth> {
    const started = performance.now();
    try {
      await this.http.request({
        method: 'GET',
        path: '/data/CustomersV3',
        query: { $top: '1', $select: 'CustomerAccount' },
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
