/**
 * WMS: a plain REST API over shipments (bearer API key, keyset cursor paging on `updated_at`),
 * milestone updates (picked → packed → shipped → delivered) and signed outbound webhooks.
 */
import {
  HttpError,
  malformRecord,
  sendJson,
  SystemServer,
  type ErrorStyle,
  type RequestContext,
} from '../../http/system-server';
import type { SystemFaults } from '../../http/fault-injector';
import { bearerOf } from '../../http/token-store';
import { decodeCursor, encodeCursor, keysetPage } from '../../store/keyset-page';
import type { Row } from '../../store/record-table';
import { MILESTONES, type Milestone } from '../../generator/estate-generator';
import type { WmsShipment, WmsStore } from './wms.store';
import { WebhookDispatcher } from './webhook-dispatcher';

const wmsError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  new HttpError(status, { error: { code, message } }, headers);

const WMS_ERRORS: ErrorStyle = {
  unauthorized: () => wmsError(401, 'unauthorized', 'Missing or invalid API key'),
  throttled: (retryAfter) => wmsError(429, 'rate_limited', 'Too many requests', { 'Retry-After': String(retryAfter) }),
  outage: (status) => wmsError(status, 'unavailable', 'Service unavailable'),
  notFound: (what) => wmsError(404, 'not_found', `Not found: ${what}`),
  badRequest: (message) => wmsError(400, 'bad_request', message),
  internal: (message) => wmsError(500, 'internal_error', message),
};

export interface WmsServerOptions {
  store: WmsStore;
  apiKey: string;
  faults?: SystemFaults;
  seed?: number;
  webhooks?: { url: string; secret: string }[];
  webhookRetry?: { attempts: number; baseDelayMs: number };
}

export class WmsServer {
  readonly http: SystemServer;
  readonly webhooks: WebhookDispatcher;

  constructor(private readonly options: WmsServerOptions) {
    this.webhooks = new WebhookDispatcher(options.webhookRetry);
    for (const w of options.webhooks ?? []) this.webhooks.subscribe(w.url, w.secret);
    const store = options.store;
    this.http = new SystemServer('wms', WMS_ERRORS, options.faults, options.seed, {
      record: (_entity, key) => {
        const row = store.shipments.get(key);
        return row ? this.present(row) : undefined;
      },
      mutate: (_entity, key, fields) => {
        const row = store.shipments.get(key);
        if (!row) throw new Error(`no shipment ${key}`);
        store.put({ ...row.record, ...(fields as Partial<WmsShipment>) }, Date.now());
        return this.present(store.shipments.get(key)!);
      },
      extra: (path, ctx) => {
        if (path === '/__admin/webhook-deliveries') {
          sendJson(ctx, 200, this.webhooks.deliveries);
          return true;
        }
        return false;
      },
    });
    this.http
      .route('GET', /^\/api\/v1\/shipments$/, (ctx) => this.list(ctx), { list: true })
      .route('GET', /^\/api\/v1\/shipments\/(?<id>[^/]+)$/, (ctx) => this.getOne(ctx))
      .route('POST', /^\/api\/v1\/shipments\/(?<id>[^/]+)\/milestones$/, (ctx) => this.addMilestone(ctx))
      .route('GET', /^\/api\/v1\/webhooks$/, (ctx) => {
        this.authorize(ctx);
        sendJson(ctx, 200, {
          data: [...this.webhooks.subscriptions.values()].map((s) => ({
            id: s.id,
            url: s.url,
            events: ['shipment.milestone'],
          })),
        });
      })
      .route('POST', /^\/api\/v1\/webhooks$/, (ctx) => this.subscribe(ctx))
      .route('DELETE', /^\/api\/v1\/webhooks\/(?<id>[^/]+)$/, (ctx) => {
        this.authorize(ctx);
        if (!this.webhooks.subscriptions.delete(ctx.params.id)) throw WMS_ERRORS.notFound(`webhook ${ctx.params.id}`);
        sendJson(ctx, 200, { deleted: true });
      });
  }

  get store(): WmsStore {
    return this.options.store;
  }

  private authorize(ctx: RequestContext): void {
    const key = bearerOf(ctx.req.headers.authorization) ?? (ctx.req.headers['x-api-key'] as string | undefined);
    if (key !== this.options.apiKey) throw WMS_ERRORS.unauthorized();
  }

  present(row: Row<WmsShipment>): Record<string, unknown> {
    return { ...row.record, updated_at: new Date(row.modifiedAt).toISOString() };
  }

  private list(ctx: RequestContext): void {
    this.authorize(ctx);
    const q = ctx.url.searchParams;
    const limitText = q.get('limit') ?? '500';
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000)
      throw WMS_ERRORS.badRequest('limit must be an integer between 1 and 1000');
    const since = q.get('updated_since');
    const from = since === null ? undefined : Date.parse(since);
    if (from !== undefined && Number.isNaN(from))
      throw WMS_ERRORS.badRequest(`updated_since is not an ISO-8601 timestamp: ${since}`);
    const cursorText = q.get('cursor');
    const cursor = cursorText ? decodeCursor(cursorText) : null;
    if (cursorText && !cursor) throw WMS_ERRORS.badRequest('cursor is invalid');
    const status = q.get('status');
    const order = q.get('order_number');
    const page = keysetPage(this.store.shipments, (s) => s.id, {
      after: cursor,
      from,
      limit: Number(limitText),
      where:
        status || order
          ? (row) => (!status || row.record.status === status) && (!order || row.record.order_number === order)
          : undefined,
    });
    const data = page.rows.map((row) => this.present(row));
    if (ctx.faults.has('malformed') && data.length > 0)
      malformRecord(data[0], { date: 'updated_at', required: 'order_number', text: 'tracking_number' }, data.length);
    const last = page.rows[page.rows.length - 1];
    sendJson(ctx, 200, {
      data,
      has_more: page.hasMore,
      next_cursor: page.hasMore && last ? encodeCursor({ modifiedAt: last.modifiedAt, key: last.record.id }) : null,
    });
  }

  private getOne(ctx: RequestContext): void {
    this.authorize(ctx);
    const row = this.store.shipments.get(ctx.params.id);
    if (!row) throw WMS_ERRORS.notFound(`shipment ${ctx.params.id}`);
    sendJson(ctx, 200, this.present(row));
  }

  private async addMilestone(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const row = this.store.shipments.get(ctx.params.id);
    if (!row) throw WMS_ERRORS.notFound(`shipment ${ctx.params.id}`);
    const body = (await ctx.readJson()) as { status?: unknown; at?: unknown };
    if (typeof body.status !== 'string' || !MILESTONES.includes(body.status as Milestone))
      throw WMS_ERRORS.badRequest(`status must be one of ${MILESTONES.join(', ')}`);
    const at = typeof body.at === 'string' ? Date.parse(body.at) : Date.now();
    if (Number.isNaN(at)) throw WMS_ERRORS.badRequest('at is not an ISO-8601 timestamp');
    const updated = this.advance(row.record.id, body.status as Milestone, at);
    if (!updated)
      throw wmsError(
        409,
        'invalid_transition',
        `shipment ${row.record.id} is ${row.record.status}; next milestone must follow it in ${MILESTONES.join(' → ')}`,
      );
    this.http.stats.record('shipments', row.record.id);
    sendJson(ctx, 200, updated);
  }

  /** Moves a shipment to its next milestone and fires the webhook; null when not the next step. */
  advance(id: string, status: Milestone, at = Date.now()): Record<string, unknown> | null {
    const row = this.store.shipments.get(id);
    if (!row) return null;
    const current = MILESTONES.indexOf(row.record.status);
    if (MILESTONES.indexOf(status) !== current + 1) return null;
    const record: WmsShipment = {
      ...row.record,
      status,
      milestones: [...row.record.milestones, { status, at: new Date(at).toISOString() }],
    };
    this.store.put(record, Date.now());
    const presented = this.present(this.store.shipments.get(id)!);
    this.webhooks.emit('shipment.milestone', {
      shipment_id: id,
      order_number: record.order_number,
      customer_number: record.customer_number,
      status,
      at: new Date(at).toISOString(),
      shipment: presented,
    });
    return presented;
  }

  private async subscribe(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const body = (await ctx.readJson()) as { url?: unknown; secret?: unknown };
    if (
      typeof body.url !== 'string' ||
      !/^https?:\/\//.test(body.url) ||
      typeof body.secret !== 'string' ||
      body.secret.length < 8
    )
      throw WMS_ERRORS.badRequest('url (http/https) and secret (8+ characters) are required');
    const sub = this.webhooks.subscribe(body.url, body.secret);
    sendJson(ctx, 201, { id: sub.id, url: sub.url, events: ['shipment.milestone'] });
  }

  async close(): Promise<void> {
    await this.webhooks.stop();
    await this.http.close();
  }
}
