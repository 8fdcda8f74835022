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
import { ConnectorConfigError } from '../connector.errors';
import type { ConnectorDeps } from '../connector-factory';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { connectorHttpOptions } from '../connector-settings';
import { decodeCursor, encodeCursor, mapPage } from '../extract-support';
import { StaticHeaderAuth } from '../http/auth';
import { HttpClient } from '../http/http-client';
import { planApply } from '../mapping/apply-plan';
import { EntityMapper, mergeMapping, type ConnectorMapping } from '../mapping/entity-mapping';
import { SUPPORT_DESK_MAPPING } from './support-desk.mapping';

type Row = Record<string, unknown>;
interface ExportPage {
  organizations?: Row[];
  tickets?: Row[];
  after_cursor?: string | null;
  end_of_stream?: boolean;
}
interface ExportCursor extends Record<string, unknown> {
  after: string | null;
}

const EXPORT = {
  customer: {
    path: '/api/v2/incremental/organizations.json',
    list: 'organizations',
    one: 'organization',
    show: '/api/v2/organizations',
  },
  ticket: { path: '/api/v2/incremental/tickets/cursor.json', list: 'tickets', one: 'ticket', show: '/api/v2/tickets' },
} as const;
type DeskEntity = keyof typeof EXPORT;
const isDeskEntity = (e: EntityKind): e is DeskEntity => e in EXPORT;

/**
 * A Zendesk-style support desk: organizations (customers) and tickets through the incremental cursor
 * exports — a full extract is an export from time 0, an incremental one from `since`; the export
 * cursor is the resume token. Organization names are written back with a compare-before-write:
 * Zendesk has no precondition for organization updates (its `safe_update`/`updated_stamp` guard is
 * for tickets only), so an edit landing between our read and our PUT (one round trip) is not
 * detected. Idempotency keys are remembered by the apply ledger, as for every connector.
 */
export class SupportDeskConnector implements Connector {
  readonly kind = 'support-desk';
  readonly capabilities: ConnectorCapabilities = {
    entities: ['customer', 'ticket'],
    writableEntities: ['customer'],
    incremental: true,
    changeEvents: false,
  };
  private readonly http: HttpClient;
  private readonly mapping: ConnectorMapping;
  private readonly metrics: ConnectorMetrics;
  private readonly idempotency: IdempotentApplier;

  constructor(
    readonly config: ConnectorConfig,
    deps: ConnectorDeps = {},
  ) {
    const credentials = config.auth;
    if (credentials.type !== 'basic' && credentials.type !== 'bearer') {
      throw new ConnectorConfigError(
        `connector ${config.id} (support-desk): auth must be basic (email/token) or bearer`,
      );
    }
    this.metrics = deps.metrics ?? connectorMetrics();
    this.http = new HttpClient({
      ...connectorHttpOptions(config, deps, this.metrics),
      auth:
        credentials.type === 'basic'
          ? StaticHeaderAuth.basic(credentials.username, credentials.password)
          : StaticHeaderAuth.bearer(credentials.token),
    });
    this.mapping = mergeMapping(SUPPORT_DESK_MAPPING, config.mapping);
    this.idempotency = new IdempotentApplier(config.id, deps.applyLedger);
  }

  get id(): string {
    return this.config.id;
  }

  private mapper<E extends EntityKind>(entity: E): EntityMapper<E> {
    const mapping = this.mapping[entity];
    if (!mapping || !isDeskEntity(entity))
      throw new ConnectorConfigError(`support-desk connector does not extract ${entity}`);
    return new EntityMapper(entity, this.id, mapping);
  }

  async *extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>> {
    const mapper = this.mapper(entity);
    if (!isDeskEntity(entity)) return;
    if (options.keys) {
      yield { records: await this.read(entity, options.keys), rejects: [], cursor: null };
      return;
    }
    const spec = EXPORT[entity];
    const state: ExportCursor = options.cursor
      ? decodeCursor<ExportCursor>(this.id, entity, options.cursor)
      : { after: null };
    const startTime = options.mode === 'incremental' && options.since ? Math.floor(options.since.getTime() / 1000) : 0;
    for (;;) {
      const response = await this.http.request({
        method: 'GET',
        path: spec.path,
        query: state.after
          ? { cursor: state.after, per_page: this.config.pageSize }
          : { start_time: startTime, per_page: this.config.pageSize },
        signal: options.signal,
      });
      const page = response.body as ExportPage;
      const rows = page[spec.list] ?? [];
      const done = page.end_of_stream !== false;
      state.after = page.after_cursor ?? state.after;
      yield { ...mapPage(mapper, rows, this.metrics), cursor: done ? null : encodeCursor(this.id, entity, state) };
      if (done) return;
    }
  }

  async read<E extends EntityKind>(entity: E, keys: string[]): Promise<CanonicalRecord<E>[]> {
    const mapper = this.mapper(entity);
    if (!isDeskEntity(entity)) return [];
    const spec = EXPORT[entity];
    const records: CanonicalRecord<E>[] = [];
    for (const key of keys) {
      if (!/^\d+$/.test(key)) continue;
      const response = await this.http.request({ method: 'GET', path: `${spec.show}/${key}.json`, accept: [404] });
      if (response.status === 404) continue;
      const result = mapper.map((response.body as Record<string, Row>)[spec.one]);
      if ('record' in result) records.push(result.record);
    }
    return records;
  }

  apply(change: RecordChange, idempotencyKey: string): Promise<ApplyResult> {
    return this.idempotency.apply(change, idempotencyKey, () => this.applyConditionally(change));
  }

  private async applyConditionally(change: RecordChange): Promise<ApplyResult> {
    if (change.entity !== 'customer')
      return { outcome: 'rejected', reason: `entity ${change.entity} is not writable in the support desk` };
    const [current] = await this.read('customer', [change.sourceKey]);
    const plan = planApply(this.mapper('customer'), change, current);
    if (plan.kind === 'done') return plan.result;
    const response = await this.http.request({
      method: 'PUT',
      path: `/api/v2/organizations/${change.sourceKey}.json`,
      json: { organization: plan.sourceValues },
      accept: [404, 422],
    });
    if (response.status !== 200) {
      const body = response.body as { description?: string; details?: unknown } | undefined;
      return {
        outcome: 'rejected',
        reason: `${body?.description ?? `HTTP ${response.status}`} ${JSON.stringify(body?.details ?? '')}`,
      };
    }
    return { outcome: 'applied' };
  }

  async health(): Promise<ConnectorHealth> {
    const started = performance.now();
    try {
      await this.http.request({ method: 'GET', path: '/api/v2/organizations.json', query: { 'page[size]': 1 } });
      return { up: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { up: false, latencyMs: Math.round(performance.now() - started), detail: (error as Error).message };
    }
  }
}
