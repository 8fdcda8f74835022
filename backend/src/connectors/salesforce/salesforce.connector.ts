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
import { ConnectorConfigError, ConnectorHttpError } from '../connector.errors';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { connectorHttpOptions } from '../connector-settings';
import { decodeCursor, encodeCursor, mapPage } from '../extract-support';
import { OAuth2ClientCredentials } from '../http/auth';
import { HttpClient, type HttpResponse } from '../http/http-client';
import { planApply } from '../mapping/apply-plan';
import { EntityMapper, mergeMapping, type ConnectorMapping } from '../mapping/entity-mapping';
import { SALESFORCE_MAPPING, SALESFORCE_OBJECT } from './salesforce.mapping';

const API = '/services/data/v60.0';
const COMPOSITE_LIMIT = 200;

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}
interface SfCursor extends Record<string, unknown> {
  next: string | null;
  lastId: string | null;
  since: string | null;
}
interface CompositeResult {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields?: string[] }[];
}

type SfEntity = keyof typeof SALESFORCE_OBJECT;
const isSfEntity = (e: EntityKind): e is SfEntity => e in SALESFORCE_OBJECT;

/** SOQL datetime literals are unquoted ISO instants. */
const soqlDateTime = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');
const soqlString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Salesforce over REST + SOQL: Accounts (customers, credit profiles), Contacts, Opportunities (orders).
 * Extracts order by Id and follow `nextRecordsUrl`; a cursor keeps both the locator and the last Id,
 * so a resume after the locator expired continues with `Id > last`. Writes go through the composite
 * sObject API (one call for up to 200 records) with per-record results.
 */
export class SalesforceConnector implements Connector {
  readonly kind = 'salesforce';
  readonly capabilities: ConnectorCapabilities = {
    entities: ['customer', 'credit_profile', 'contact', 'order'],
    writableEntities: ['customer', 'credit_profile', 'contact', 'order'],
    incremental: true,
    changeEvents: false,
  };
  private readonly http: HttpClient;
  private readonly mapping: ConnectorMapping;
  private readonly metrics: ConnectorMetrics;

  constructor(
    readonly config: ConnectorConfig,
    deps: { fetch?: typeof fetch; metrics?: ConnectorMetrics } = {},
  ) {
    if (config.auth.type !== 'oauth2-client-credentials') {
      throw new ConnectorConfigError(`connector ${config.id} (salesforce): auth must be oauth2-client-credentials`);
    }
    const auth = new OAuth2ClientCredentials({
      tokenUrl: config.auth.tokenUrl,
      clientId: config.auth.clientId,
      clientSecret: config.auth.clientSecret,
      scope: config.auth.scope,
    });
    this.metrics = deps.metrics ?? connectorMetrics();
    this.http = new HttpClient({
      ...connectorHttpOptions(config, deps, this.metrics),
      auth,
      isThrottled: (r) => r.status === 403 && r.text.includes('REQUEST_LIMIT_EXCEEDED'),
    });
    this.mapping = mergeMapping(SALESFORCE_MAPPING, config.mapping);
  }

  get id(): string {
    return this.config.id;
  }

  private mapper<E extends EntityKind>(entity: E): EntityMapper<E> {
    const mapping = this.mapping[entity];
    if (!mapping || !isSfEntity(entity))
      throw new ConnectorConfigError(`salesforce connector does not extract ${entity}`);
    return new EntityMapper(entity, this.id, mapping);
  }

  /** The SOQL fields a mapping reads: key, stamp and every `from` path. */
  private fields(entity: EntityKind): string[] {
    const m = this.mapping[entity]!;
    const paths = new Set<string>([m.key, m.updatedAt ?? 'LastModifiedDate']);
    for (const rule of Object.values(m.fields)) {
      if (rule.from) paths.add(rule.from);
      if (rule.countryFrom) paths.add(rule.countryFrom);
    }
    return [...paths];
  }

  private soql(entity: SfEntity, where: string[]): string {
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    return `SELECT ${this.fields(entity).join(', ')} FROM ${SALESFORCE_OBJECT[entity]}${clause} ORDER BY Id`;
  }

  private async page(
    path: string,
    query: Record<string, string> | undefined,
    signal?: AbortSignal,
  ): Promise<QueryPage> {
    const response = await this.http.request({
      method: 'GET',
      path,
      query,
      headers: { 'sforce-query-options': `batchSize=${this.config.pageSize}` },
      signal,
    });
    return response.body as QueryPage;
  }

  async *extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>> {
    const mapper = this.mapper(entity);
    if (!isSfEntity(entity)) return;
    const state: SfCursor = options.cursor
      ? decodeCursor<SfCursor>(this.id, entity, options.cursor)
      : {
          next: null,
          lastId: null,
          since: options.mode === 'incremental' && options.since ? soqlDateTime(options.since) : null,
        };
    const where: string[] = [];
    if (state.since) where.push(`${this.mapping[entity]!.updatedAt ?? 'LastModifiedDate'} >= ${state.since}`);
    if (options.keys) where.push(`Id IN (${options.keys.map(soqlString).join(', ') || "''"})`);
    let page: QueryPage;
    if (state.next) {
      try {
        page = await this.page(state.next, undefined, options.signal);
      } catch (error) {
        // Query locators expire; the last Id still says where we were.
        if (!(error instanceof ConnectorHttpError && error.status === 400)) throw error;
        page = await this.page(
          `${API}/query`,
          { q: this.soql(entity, [...where, `Id > ${soqlString(state.lastId ?? '')}`]) },
          options.signal,
        );
      }
    } else {
      const resumeWhere = state.lastId ? [...where, `Id > ${soqlString(state.lastId)}`] : where;
      page = await this.page(`${API}/query`, { q: this.soql(entity, resumeWhere) }, options.signal);
    }
    const total = options.cursor ? undefined : page.totalSize;
    for (;;) {
      const records = Array.isArray(page.records) ? page.records : [];
      const last = records.at(-1)?.Id;
      if (typeof last === 'string') state.lastId = last;
      state.next = page.done ? null : (page.nextRecordsUrl ?? null);
      const mapped = mapPage(mapper, records, this.metrics);
      const cursor = state.next ? encodeCursor(this.id, entity, state) : null;
      yield { ...mapped, cursor, ...(total !== undefined ? { total } : {}) };
      if (!state.next) return;
      page = await this.page(state.next, undefined, options.signal);
    }
  }

  async read<E extends EntityKind>(entity: E, keys: string[]): Promise<CanonicalRecord<E>[]> {
    const records: CanonicalRecord<E>[] = [];
    for (let i = 0; i < keys.length; i += COMPOSITE_LIMIT) {
      const chunk = keys.slice(i, i + COMPOSITE_LIMIT);
      for await (const batch of this.extract(entity, { mode: 'full', keys: chunk })) records.push(...batch.records);
    }
    return records;
  }

  apply(change: RecordChange, idempotencyKey: string): Promise<ApplyResult> {
    return this.applyMany([{ change, idempotencyKey }]).then((results) => results[0]);
  }

  /**
   * Corrective writes in bulk: current values read with one SOQL query, then one composite call for
   * every change that still needs writing; each change gets its own outcome.
   */
  async applyMany(items: { change: RecordChange; idempotencyKey: string }[]): Promise<ApplyResult[]> {
    const results: ApplyResult[] = new Array<ApplyResult>(items.length);
    for (let start = 0; start < items.length; start += COMPOSITE_LIMIT) {
      const chunk = items.slice(start, start + COMPOSITE_LIMIT);
      const writes: { index: number; object: string; id: string; values: Record<string, unknown> }[] = [];
      const byEntity = new Map<EntityKind, Map<string, CanonicalRecord>>();
      for (const entity of new Set(chunk.map((i) => i.change.entity))) {
        if (!isSfEntity(entity)) continue;
        const keys = chunk.filter((i) => i.change.entity === entity).map((i) => i.change.sourceKey);
        byEntity.set(entity, new Map((await this.read(entity, keys)).map((r) => [r.sourceKey, r as CanonicalRecord])));
      }
      chunk.forEach(({ change }, offset) => {
        const index = start + offset;
        if (!isSfEntity(change.entity)) {
          results[index] = { outcome: 'rejected', reason: `entity ${change.entity} is not in Salesforce` };
          return;
        }
        const mapper = this.mapper(change.entity);
        const plan = planApply(mapper, change, byEntity.get(change.entity)?.get(change.sourceKey));
        if (plan.kind === 'done') results[index] = plan.result;
        else
          writes.push({
            index,
            object: SALESFORCE_OBJECT[change.entity],
            id: change.sourceKey,
            values: plan.sourceValues,
          });
      });
      if (writes.length === 0) continue;
      // Several changes to one record (e.g. customer and credit profile fields) become one record update.
      const merged = new Map<
        string,
        { object: string; id: string; values: Record<string, unknown>; indexes: number[] }
      >();
      for (const w of writes) {
        const key = `${w.object}/${w.id}`;
        const entry = merged.get(key) ?? { object: w.object, id: w.id, values: {}, indexes: [] };
        Object.assign(entry.values, w.values);
        entry.indexes.push(w.index);
        merged.set(key, entry);
      }
      const records = [...merged.values()];
      const response: HttpResponse = await this.http.request({
        method: 'PATCH',
        path: `${API}/composite/sobjects`,
        json: {
          allOrNone: false,
          records: records.map((r) => ({ attributes: { type: r.object }, id: r.id, ...r.values })),
        },
        // Re-sending the same field values is harmless: the update sets, never increments.
        idempotent: true,
      });
      const outcomes = response.body as CompositeResult[];
      records.forEach((record, i) => {
        const outcome = outcomes[i];
        const result: ApplyResult = outcome?.success
          ? { outcome: 'applied' }
          : {
              outcome: 'rejected',
              reason:
                (outcome?.errors ?? []).map((e) => `${e.statusCode}: ${e.message}`).join('; ') ||
                'no result for record',
            };
        for (const index of record.indexes) results[index] = result;
      });
    }
    return results;
  }

  async health(): Promise<ConnectorHealth> {
    const started = performance.now();
    try {
      await this.http.request({ method: 'GET', path: `${API}/query`, query: { q: 'SELECT COUNT() FROM Account' } });
      return { up: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { up: false, latencyMs: Math.round(performance.now() - started), detail: (error as Error).message };
    }
  }
}
