import { IdempotentApplier } from '../apply-ledger';
import type { CanonicalRecord, EntityKind } from '../canonical-model';
import type { ConnectorConfig } from '../config/connectors-config';
import { z } from 'zod';
import { Secret } from '../config/secret';
import {
  CHANGE_EVENT_MAX_AGE_SECONDS,
  ChangeEventRejectedError,
  type ApplyResult,
  type ChangeEvent,
  type Connector,
  type ConnectorCapabilities,
  type ConnectorHealth,
  type ExtractBatch,
  type ExtractOptions,
  type InboundHeaders,
  type RecordChange,
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
import { WebhookSignatureVerifier } from './webhook-signature.verifier';
import { MILESTONES, WMS_MAPPING } from './wms.mapping';

type Row = Record<string, unknown>;
interface WmsPage {
  data?: Row[];
  has_more?: boolean;
  next_cursor?: string | null;
}
/** The WMS's webhook body (`shipment.milestone`, one per status change); the signature covers all of it. */
const webhookSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.literal('shipment.milestone'),
  occurred_at: z.string().datetime({ offset: true }),
  data: z.object({ shipment_id: z.string().min(1).max(200) }).passthrough(),
});
/** How far a signed `occurred_at` may be ahead of our clock. */
const FUTURE_SKEW_MS = 5 * 60_000;

interface WmsCursor extends Record<string, unknown> {
  next: string | null;
  since: string | null;
}

/**
 * The warehouse system over REST: shipments with their milestones, paged by the WMS's own keyset
 * cursor (stable under writes), incremental by `updated_since`. Corrective writes post the next
 * milestone, only when the shipment still is where the finding saw it. Inbound webhooks are verified
 * by `WebhookSignatureVerifier` with `settings.webhookSecret` (a `${env:NAME}` reference); without
 * that secret the connector does not take change events.
 */
export class WmsConnector implements Connector {
  readonly kind = 'wms';
  readonly capabilities: ConnectorCapabilities;
  private readonly http: HttpClient;
  private readonly mapping: ConnectorMapping;
  private readonly metrics: ConnectorMetrics;
  private readonly idempotency: IdempotentApplier;
  private readonly webhooks: WebhookSignatureVerifier | undefined;

  constructor(
    readonly config: ConnectorConfig,
    deps: ConnectorDeps = {},
  ) {
    if (config.auth.type !== 'api-key' && config.auth.type !== 'bearer') {
      throw new ConnectorConfigError(`connector ${config.id} (wms): auth must be api-key or bearer`);
    }
    const credentials = config.auth;
    const auth =
      credentials.type === 'bearer'
        ? StaticHeaderAuth.bearer(credentials.token)
        : new StaticHeaderAuth(credentials.header, () => credentials.key.reveal());
    this.metrics = deps.metrics ?? connectorMetrics();
    this.http = new HttpClient({ ...connectorHttpOptions(config, deps, this.metrics), auth });
    this.mapping = mergeMapping(WMS_MAPPING, config.mapping);
    this.idempotency = new IdempotentApplier(config.id, deps.applyLedger);
    const webhookSecret = config.settings.webhookSecret;
    if (webhookSecret !== undefined && !(webhookSecret instanceof Secret)) {
      throw new ConnectorConfigError(
        `connector ${config.id} (wms): settings.webhookSecret must be a reference like \${env:NAME}, not an inline value`,
      );
    }
    // An empty key would make every signature computable by anyone: refuse it rather than accept events.
    if (webhookSecret && webhookSecret.reveal().length < 16) {
      throw new ConnectorConfigError(
        `connector ${config.id} (wms): settings.webhookSecret must be at least 16 characters (it is ${webhookSecret.reveal().length})`,
      );
    }
    this.webhooks = webhookSecret ? new WebhookSignatureVerifier({ secret: webhookSecret.reveal() }) : undefined;
    this.capabilities = {
      entities: ['shipment'],
      writableEntities: ['shipment'],
      incremental: true,
      changeEvents: this.webhooks !== undefined,
    };
  }

  get id(): string {
    return this.config.id;
  }

  private mapper<E extends EntityKind>(entity: E): EntityMapper<E> {
    const mapping = this.mapping[entity];
    if (!mapping) throw new ConnectorConfigError(`wms connector does not extract ${entity}`);
    return new EntityMapper(entity, this.id, mapping);
  }

  async *extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>> {
    const mapper = this.mapper(entity);
    if (options.keys) {
      yield { records: await this.read(entity, options.keys), rejects: [], cursor: null };
      return;
    }
    const state: WmsCursor = options.cursor
      ? decodeCursor<WmsCursor>(this.id, entity, options.cursor)
      : { next: null, since: options.mode === 'incremental' && options.since ? options.since.toISOString() : null };
    for (;;) {
      const response = await this.http.request({
        method: 'GET',
        path: '/api/v1/shipments',
        query: {
          limit: this.config.pageSize,
          updated_since: state.since ?? undefined,
          cursor: state.next ?? undefined,
        },
        signal: options.signal,
      });
      const page = response.body as WmsPage;
      const rows = (page.data ?? []).map(flatten);
      state.next = page.has_more ? (page.next_cursor ?? null) : null;
      yield {
        ...mapPage(mapper, rows, this.metrics),
        cursor: state.next ? encodeCursor(this.id, entity, state) : null,
      };
      if (!state.next) return;
    }
  }

  async read<E extends EntityKind>(entity: E, keys: string[]): Promise<CanonicalRecord<E>[]> {
    const mapper = this.mapper(entity);
    const records: CanonicalRecord<E>[] = [];
    for (const key of keys) {
      const response = await this.http.request({
        method: 'GET',
        path: `/api/v1/shipments/${encodeURIComponent(key)}`,
        accept: [404],
      });
      if (response.status === 404) continue;
      const result = mapper.map(flatten(unwrap(response.body)));
      if ('record' in result) records.push(result.record);
    }
    return records;
  }

  apply(change: RecordChange, idempotencyKey: string): Promise<ApplyResult> {
    return this.idempotency.apply(change, idempotencyKey, () => this.applyConditionally(change));
  }

  private async applyConditionally(change: RecordChange): Promise<ApplyResult> {
    if (change.entity !== 'shipment')
      return { outcome: 'rejected', reason: `entity ${change.entity} is not in the WMS` };
    const [current] = await this.read('shipment', [change.sourceKey]);
    const plan = planApply(this.mapper('shipment'), change, current);
    if (plan.kind === 'done') return plan.result;
    const milestone = plan.sourceValues.status;
    if (Object.keys(plan.sourceValues).length !== 1 || typeof milestone !== 'string') {
      return { outcome: 'rejected', reason: 'the WMS only accepts milestone changes' };
    }
    const from = MILESTONES.indexOf(current.fields.milestone as (typeof MILESTONES)[number]);
    if (MILESTONES.indexOf(milestone as (typeof MILESTONES)[number]) !== from + 1) {
      return {
        outcome: 'rejected',
        reason: `the WMS cannot move a shipment from ${current.fields.milestone} to ${milestone}`,
      };
    }
    const response = await this.http.request({
      method: 'POST',
      path: `/api/v1/shipments/${encodeURIComponent(change.sourceKey)}/milestones`,
      json: { status: milestone },
      accept: [409],
    });
    // The milestone moved between our read and our write: someone else advanced it.
    if (response.status === 409) return { outcome: 'conflict', reason: 'the shipment moved on since it was read' };
    return { outcome: 'applied' };
  }

  /**
   * A `shipment.milestone` webhook names one shipment. Authentic means: the HMAC over the exact bytes
   * matches, the delivery's timestamp is recent, and the unsigned `X-WMS-Event-Id` header is the
   * signed body's `id` (so a captured body cannot be replayed under a new id). Remembering event ids
   * is the receiver's part; the signed `occurred_at` bounds how long it must remember them.
   */
  parseChangeEvent(rawBody: Buffer, headers: InboundHeaders, now = Date.now()): ChangeEvent {
    if (!this.webhooks) throw new ChangeEventRejectedError('payload', `connector ${this.id} has no webhookSecret`);
    const verdict = this.webhooks.authenticate(rawBody, headers, now);
    if (!verdict.ok) throw new ChangeEventRejectedError('signature', `webhook refused: ${verdict.reason}`);
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new ChangeEventRejectedError('payload', 'webhook body is not JSON');
    }
    const parsed = webhookSchema.safeParse(json);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(body)');
      throw new ChangeEventRejectedError('payload', `webhook body invalid at ${[...new Set(fields)].join(', ')}`);
    }
    const event = parsed.data;
    if (event.id !== verdict.eventId)
      throw new ChangeEventRejectedError('signature', 'webhook refused: X-WMS-Event-Id is not the signed event id');
    const occurredAt = Date.parse(event.occurred_at);
    if (now - occurredAt > CHANGE_EVENT_MAX_AGE_SECONDS * 1000 || occurredAt - now > FUTURE_SKEW_MS)
      throw new ChangeEventRejectedError('signature', 'webhook refused: occurred_at is outside the replay window');
    return { eventId: event.id, entity: 'shipment', keys: [event.data.shipment_id] };
  }

  async health(): Promise<ConnectorHealth> {
    const started = performance.now();
    try {
      await this.http.request({ method: 'GET', path: '/api/v1/shipments', query: { limit: 1 } });
      return { up: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { up: false, latencyMs: Math.round(performance.now() - started), detail: (error as Error).message };
    }
  }
}

function unwrap(body: unknown): Row {
  const b = body as { data?: Row; shipment?: Row } & Row;
  return b.data ?? b.shipment ?? b;
}

function flatten(row: Row): Row {
  const milestones = Array.isArray(row.milestones) ? (row.milestones as Row[]) : [];
  const current = milestones.filter((m) => m.status === row.status).at(-1);
  return { ...row, milestoneAt: current?.at ?? null };
}
