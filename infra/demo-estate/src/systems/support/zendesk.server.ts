/**
 * Support desk: the Zendesk Support API subset a connector uses: organizations (cursor pagination,
 * show, update, search by external_id), tickets, and the incremental exports
 * (`/api/v2/incremental/organizations`, `/api/v2/incremental/tickets/cursor.json`) with
 * `after_cursor` / `end_of_stream`. Auth: `email/token:api_token` basic auth or a bearer token.
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
import type { ZendeskOrganization, ZendeskStore, ZendeskTicket } from './zendesk.store';

const zdError = (status: number, error: string, description: string, headers: Record<string, string> = {}) =>
  new HttpError(status, { error, description }, headers);

const ZENDESK_ERRORS: ErrorStyle = {
  unauthorized: () => new HttpError(401, { error: "Couldn't authenticate you" }),
  throttled: (retryAfter) =>
    zdError(429, 'APIRateLimitExceeded', `Rate limit exceeded. Retry after ${retryAfter} seconds.`, {
      'Retry-After': String(retryAfter),
    }),
  outage: (status) => zdError(status, 'ServiceUnavailable', 'Zendesk is temporarily unavailable'),
  notFound: () => zdError(404, 'RecordNotFound', 'Not found'),
  badRequest: (message) => zdError(400, 'InvalidValue', message),
  internal: (message) => zdError(500, 'InternalError', message),
};

export interface ZendeskCredentials {
  email: string;
  apiToken: string;
}

export interface ZendeskServerOptions {
  store: ZendeskStore;
  credentials: ZendeskCredentials;
  faults?: SystemFaults;
  seed?: number;
  /** Zendesk leaves out items changed in the last minute from incremental exports; default 0 here. */
  incrementalLagSeconds?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class ZendeskServer {
  readonly http: SystemServer;

  constructor(private readonly options: ZendeskServerOptions) {
    const store = options.store;
    this.http = new SystemServer('support', ZENDESK_ERRORS, options.faults, options.seed, {
      record: (entity, key) => {
        const row = entity === 'tickets' ? store.tickets.get(key) : store.organizations.get(key);
        return row ? this.present(row, entity === 'tickets' ? 'ticket' : 'organization') : undefined;
      },
      mutate: (entity, key, fields) => {
        if (entity === 'tickets') {
          const row = store.tickets.get(key);
          if (!row) throw new Error(`no ticket ${key}`);
          store.putTicket({ ...row.record, ...(fields as Partial<ZendeskTicket>) }, Date.now());
          return this.present(store.tickets.get(key)!, 'ticket');
        }
        const row = store.organizations.get(key);
        if (!row) throw new Error(`no organization ${key}`);
        store.putOrganization({ ...row.record, ...(fields as Partial<ZendeskOrganization>) }, Date.now());
        return this.present(store.organizations.get(key)!, 'organization');
      },
    });
    this.http
      .route('GET', /^\/api\/v2\/organizations(\.json)?$/, (ctx) => this.listOrganizations(ctx), { list: true })
      .route('GET', /^\/api\/v2\/organizations\/search(\.json)?$/, (ctx) => this.searchOrganizations(ctx))
      .route('GET', /^\/api\/v2\/organizations\/(?<id>\d+)(\.json)?$/, (ctx) => this.showOrganization(ctx))
      .route('PUT', /^\/api\/v2\/organizations\/(?<id>\d+)(\.json)?$/, (ctx) => this.updateOrganization(ctx))
      .route(
        'GET',
        /^\/api\/v2\/organizations\/(?<id>\d+)\/tickets(\.json)?$/,
        (ctx) => this.organizationTickets(ctx),
        { list: true },
      )
      .route('GET', /^\/api\/v2\/tickets\/(?<id>\d+)(\.json)?$/, (ctx) => this.showTicket(ctx))
      .route(
        'GET',
        /^\/api\/v2\/incremental\/organizations(\.json)?$/,
        (ctx) => this.incremental(ctx, 'organizations'),
        { list: true },
      )
      .route('GET', /^\/api\/v2\/incremental\/tickets\/cursor(\.json)?$/, (ctx) => this.incremental(ctx, 'tickets'), {
        list: true,
      });
  }

  get store(): ZendeskStore {
    return this.options.store;
  }

  private authorize(ctx: RequestContext): void {
    const header = ctx.req.headers.authorization ?? '';
    const { email, apiToken } = this.options.credentials;
    const basic = /^Basic\s+(.+)$/i.exec(header);
    if (basic && Buffer.from(basic[1], 'base64').toString('utf8') === `${email}/token:${apiToken}`) return;
    if (bearerOf(header) === apiToken) return;
    throw ZENDESK_ERRORS.unauthorized();
  }

  present(row: Row<ZendeskOrganization | ZendeskTicket>, kind: 'organization' | 'ticket'): Record<string, unknown> {
    const path = kind === 'organization' ? 'organizations' : 'tickets';
    return {
      url: `${this.http.baseUrl}/api/v2/${path}/${row.record.id}.json`,
      ...row.record,
      updated_at: iso(row.modifiedAt),
    };
  }

  private pageSize(ctx: RequestContext, param: string, max: number, fallback: number): number {
    const text = ctx.url.searchParams.get(param);
    if (text === null) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < 1) throw ZENDESK_ERRORS.badRequest(`${param} must be a positive integer`);
    return Math.min(max, Number(text));
  }

  private listOrganizations(ctx: RequestContext): void {
    this.authorize(ctx);
    const size = this.pageSize(ctx, 'page[size]', 100, 100);
    const afterText = ctx.url.searchParams.get('page[after]');
    const afterId = afterText ? Number(Buffer.from(afterText, 'base64url').toString('utf8')) : 0;
    if (afterText && !Number.isFinite(afterId)) throw ZENDESK_ERRORS.badRequest('page[after] is invalid');
    // Organizations list in id order. Ids never change and organizations are never deleted, so a
    // sorted id index rebuilt only when the count changes keeps a page O(log n) at a million rows.
    const ids = this.sortedOrganizationIds();
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] <= afterId) lo = mid + 1;
      else hi = mid;
    }
    const hasMore = lo + size < ids.length;
    const picked = Array.from(ids.subarray(lo, lo + size), (id) => this.store.organizations.get(String(id))!);
    const organizations = picked.map((r) => this.present(r, 'organization'));
    if (ctx.faults.has('malformed') && organizations.length > 0)
      malformRecord(organizations[0], { date: 'updated_at', required: 'name', text: 'name' }, afterId);
    const last = picked[picked.length - 1];
    const after = last ? Buffer.from(String(last.record.id)).toString('base64url') : null;
    sendJson(ctx, 200, {
      organizations,
      meta: { has_more: hasMore, after_cursor: hasMore ? after : null, before_cursor: afterText ?? null },
      links: {
        next:
          hasMore && after
            ? `${this.http.baseUrl}/api/v2/organizations.json?page[size]=${size}&page[after]=${after}`
            : null,
        prev: null,
      },
    });
  }

  private idIndex: { size: number; ids: Float64Array } = { size: -1, ids: new Float64Array(0) };

  private sortedOrganizationIds(): Float64Array {
    const table = this.store.organizations;
    if (this.idIndex.size !== table.size) {
      const ids = new Float64Array(table.size);
      let i = 0;
      for (const row of table.rowsInOrder()) ids[i++] = row.record.id;
      ids.sort();
      this.idIndex = { size: table.size, ids };
    }
    return this.idIndex.ids;
  }

  private searchOrganizations(ctx: RequestContext): void {
    this.authorize(ctx);
    const externalId = ctx.url.searchParams.get('external_id');
    if (!externalId) throw ZENDESK_ERRORS.badRequest('external_id is required');
    const organizations = this.store
      .organizationIdsByExternalId(externalId)
      .map((id) => this.present(this.store.organizations.get(String(id))!, 'organization'));
    sendJson(ctx, 200, { organizations, count: organizations.length, next_page: null, previous_page: null });
  }

  private showOrganization(ctx: RequestContext): void {
    this.authorize(ctx);
    const row = this.store.organizations.get(ctx.params.id);
    if (!row) throw ZENDESK_ERRORS.notFound('');
    sendJson(ctx, 200, { organization: this.present(row, 'organization') });
  }

  private async updateOrganization(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const row = this.store.organizations.get(ctx.params.id);
    if (!row) throw ZENDESK_ERRORS.notFound('');
    const body = (await ctx.readJson()) as { organization?: Record<string, unknown> };
    if (typeof body.organization !== 'object' || body.organization === null)
      throw ZENDESK_ERRORS.badRequest('organization is required');
    const allowed = new Set([
      'name',
      'external_id',
      'details',
      'notes',
      'domain_names',
      'group_id',
      'shared_tickets',
      'shared_comments',
      'tags',
      'organization_fields',
    ]);
    const details: Record<string, { description: string; error: string }[]> = {};
    for (const [k, v] of Object.entries(body.organization)) {
      if (!allowed.has(k)) details[k] = [{ description: `${k}: is not a writable attribute`, error: 'InvalidValue' }];
      else if (k === 'name' && (typeof v !== 'string' || v.trim() === ''))
        details.name = [{ description: 'Name: cannot be blank', error: 'BlankValue' }];
      else if (k === 'name' && typeof v === 'string' && v.length > 255)
        details.name = [{ description: 'Name: is too long (maximum is 255 characters)', error: 'InvalidValue' }];
    }
    if (Object.keys(details).length > 0)
      throw new HttpError(422, { error: 'RecordInvalid', description: 'Record validation errors', details });
    const merged = { ...row.record, ...(body.organization as Partial<ZendeskOrganization>) };
    if (body.organization.organization_fields)
      merged.organization_fields = {
        ...row.record.organization_fields,
        ...body.organization.organization_fields,
      };
    this.store.putOrganization(merged, Date.now());
    this.http.stats.record('organizations', ctx.params.id);
    sendJson(ctx, 200, { organization: this.present(this.store.organizations.get(ctx.params.id)!, 'organization') });
  }

  private organizationTickets(ctx: RequestContext): void {
    this.authorize(ctx);
    const id = Number(ctx.params.id);
    if (!this.store.organizations.get(ctx.params.id)) throw ZENDESK_ERRORS.notFound('');
    const tickets: Record<string, unknown>[] = [];
    for (const row of this.store.tickets.rowsInOrder())
      if (row.record.organization_id === id) tickets.push(this.present(row, 'ticket'));
    sendJson(ctx, 200, { tickets, count: tickets.length, next_page: null, previous_page: null });
  }

  private showTicket(ctx: RequestContext): void {
    this.authorize(ctx);
    const row = this.store.tickets.get(ctx.params.id);
    if (!row) throw ZENDESK_ERRORS.notFound('');
    sendJson(ctx, 200, { ticket: this.present(row, 'ticket') });
  }

  private incremental(ctx: RequestContext, kind: 'organizations' | 'tickets'): void {
    this.authorize(ctx);
    const q = ctx.url.searchParams;
    const cursorText = q.get('cursor');
    const startText = q.get('start_time');
    if (!cursorText && startText === null) throw ZENDESK_ERRORS.badRequest('start_time or cursor is required');
    if (startText !== null && !/^\d+$/.test(startText))
      throw ZENDESK_ERRORS.badRequest('start_time must be a unix epoch time in seconds');
    const cursor = cursorText ? decodeCursor(cursorText) : null;
    if (cursorText && !cursor) throw ZENDESK_ERRORS.badRequest('cursor is invalid');
    const size = this.pageSize(ctx, 'per_page', 1000, 1000);
    const until = Date.now() - (this.options.incrementalLagSeconds ?? 0) * 1000;
    const table = kind === 'organizations' ? this.store.organizations : this.store.tickets;
    const page = keysetPage<ZendeskOrganization | ZendeskTicket>(
      table as never,
      (r) => String(r.id).padStart(16, '0'),
      {
        after: cursor,
        from: cursor ? undefined : Number(startText) * 1000,
        until,
        limit: size,
      },
    );
    const items = page.rows.map((r) => this.present(r, kind === 'organizations' ? 'organization' : 'ticket'));
    if (ctx.faults.has('malformed') && items.length > 0)
      malformRecord(
        items[0],
        {
          date: 'updated_at',
          required: kind === 'tickets' ? 'status' : 'name',
          text: kind === 'tickets' ? 'subject' : 'name',
        },
        items.length,
      );
    const last = page.rows[page.rows.length - 1];
    const afterCursor = last
      ? encodeCursor({ modifiedAt: last.modifiedAt, key: String(last.record.id).padStart(16, '0') })
      : cursorText;
    const path =
      kind === 'organizations' ? '/api/v2/incremental/organizations.json' : '/api/v2/incremental/tickets/cursor.json';
    const afterUrl = afterCursor
      ? `${this.http.baseUrl}${path}?cursor=${afterCursor}${q.get('per_page') ? `&per_page=${size}` : ''}`
      : null;
    sendJson(ctx, 200, {
      [kind]: items,
      after_url: afterUrl,
      after_cursor: afterCursor,
      before_url: null,
      before_cursor: null,
      end_of_stream: !page.hasMore,
      // Time-based fields too, so a time-based client of the organizations export also works.
      next_page: afterUrl,
      end_time: last ? Math.floor(last.modifiedAt / 1000) : startText !== null ? Number(startText) : null,
      count: items.length,
    });
  }
}
