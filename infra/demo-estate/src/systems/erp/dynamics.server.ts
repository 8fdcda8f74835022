/**
 * ERP: the Dynamics 365 Finance & Operations OData v4 subset a connector uses: an Entra-style token
 * endpoint, `/data/<Entity>` with $filter/$select/$top/$skip/$orderby/$count, server-driven paging
 * via `@odata.nextLink`, `cross-company=true`, `@odata.etag` + `ETag`, PATCH with `If-Match` (412 on a
 * stale ETag), POST to create, and OData error bodies `{"error":{"code","message","innererror"}}`.
 */
import {
  HttpError,
  malformRecord,
  sendEmpty,
  sendJson,
  SystemServer,
  type ErrorStyle,
  type RequestContext,
} from '../../http/system-server';
import type { SystemFaults } from '../../http/fault-injector';
import { bearerOf, TokenStore } from '../../http/token-store';
import { firstInOrder } from '../../store/first-in-order';
import type { Row } from '../../store/record-table';
import { ERP_ENTITIES, erpIso, erpKey, type DynamicsStore, type ErpEntity, type ErpRecord } from './dynamics.store';
import { ODataQueryError, parseODataFilter, type ODataFilter } from './odata-filter.parser';

export const DEFAULT_COMPANY = 'usmf';
const DEFAULT_PAGE_SIZE = 10_000;

export interface DynamicsCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface DynamicsServerOptions {
  store: DynamicsStore;
  credentials: DynamicsCredentials;
  faults?: SystemFaults;
  seed?: number;
  tokenTtlSeconds?: number;
  /** Server page size (F&O: 10,000); `Prefer: odata.maxpagesize=N` lowers it per request. */
  pageSize?: number;
}

const odataError = (
  status: number,
  code: string,
  message: string,
  inner?: { message: string; type: string },
  headers: Record<string, string> = {},
) =>
  new HttpError(
    status,
    {
      error: {
        code,
        message,
        innererror: inner ?? {
          message,
          type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.ODataException',
          stacktrace: '',
        },
      },
    },
    headers,
  );

const DYNAMICS_ERRORS: ErrorStyle = {
  unauthorized: () =>
    odataError(
      401,
      'Unauthorized',
      'Authentication failed: the access token is missing, invalid or expired.',
      undefined,
      { 'WWW-Authenticate': 'Bearer' },
    ),
  throttled: (retryAfter) =>
    odataError(
      429,
      'TooManyRequests',
      'The request was throttled. Retry after the interval in the Retry-After header.',
      undefined,
      { 'Retry-After': String(retryAfter) },
    ),
  outage: (status) => odataError(status, 'ServiceUnavailable', 'The service is temporarily unavailable.'),
  notFound: (what) => odataError(404, '', `No HTTP resource was found that matches the request URI '${what}'.`),
  badRequest: (message) =>
    odataError(400, '', 'An error has occurred.', { message, type: 'Microsoft.OData.ODataException' }),
  internal: (message) => odataError(500, '', 'An error has occurred.', { message, type: 'System.Exception' }),
};

export class DynamicsServer {
  readonly http: SystemServer;
  private readonly tokens: TokenStore;

  constructor(private readonly options: DynamicsServerOptions) {
    this.tokens = new TokenStore(options.tokenTtlSeconds ?? 3599);
    const store = options.store;
    this.http = new SystemServer('erp', DYNAMICS_ERRORS, options.faults, options.seed, {
      expireTokens: () => this.tokens.expireAll(),
      record: (entityName, key) => {
        const e = ERP_ENTITIES.get(entityName);
        const row = e ? store.table(e.name).get(key.toLowerCase()) : undefined;
        return e && row ? this.present(e, row, null) : undefined;
      },
      mutate: (entityName, key, fields) => {
        const e = ERP_ENTITIES.get(entityName);
        const row = e ? store.table(e.name).get(key.toLowerCase()) : undefined;
        if (!e || !row) throw new Error(`no ${entityName} ${key}`);
        store.put(e.name, { ...row.record, ...(fields as ErpRecord) }, Date.now());
        return this.present(e, store.table(e.name).get(key.toLowerCase())!, null);
      },
    });
    this.http
      .route('POST', /^\/(?<tenant>[^/]+)\/oauth2\/v2\.0\/token$/, (ctx) => this.token(ctx), { faultable: false })
      .route('GET', /^\/data\/?$/, (ctx) => this.serviceDocument(ctx))
      .route('GET', /^\/data\/(?<entity>\w+)$/, (ctx) => this.list(ctx), { list: true })
      .route('POST', /^\/data\/(?<entity>\w+)$/, (ctx) => this.create(ctx))
      .route('GET', /^\/data\/(?<entity>\w+)\((?<key>.*)\)$/, (ctx) => this.getOne(ctx))
      .route('PATCH', /^\/data\/(?<entity>\w+)\((?<key>.*)\)$/, (ctx) => this.update(ctx));
  }

  get store(): DynamicsStore {
    return this.options.store;
  }

  private async token(ctx: RequestContext): Promise<void> {
    const form = await ctx.readForm();
    const { tenantId, clientId, clientSecret } = this.options.credentials;
    if (ctx.params.tenant !== tenantId)
      return sendJson(ctx, 400, {
        error: 'invalid_request',
        error_description: `AADSTS90002: Tenant '${ctx.params.tenant}' not found.`,
      });
    if (form.get('grant_type') !== 'client_credentials')
      return sendJson(ctx, 400, {
        error: 'unsupported_grant_type',
        error_description: 'AADSTS70003: The app requested an unsupported grant type.',
      });
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret)
      return sendJson(ctx, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      });
    const { token, expiresIn } = this.tokens.issue('eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.');
    sendJson(ctx, 200, { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token });
  }

  private authorize(ctx: RequestContext): void {
    if (!this.tokens.isValid(bearerOf(ctx.req.headers.authorization))) throw DYNAMICS_ERRORS.unauthorized();
  }

  private serviceDocument(ctx: RequestContext): void {
    this.authorize(ctx);
    sendJson(ctx, 200, {
      '@odata.context': `${this.http.baseUrl}/data/$metadata`,
      value: [...ERP_ENTITIES.keys()].map((name) => ({ name, kind: 'EntitySet', url: name })),
    });
  }

  private entityOf(name: string): ErpEntity {
    const e = ERP_ENTITIES.get(name);
    if (!e)
      throw odataError(
        404,
        '',
        `No HTTP resource was found that matches the request URI '${this.http.baseUrl}/data/${name}'.`,
      );
    return e;
  }

  private propertyError(e: ErpEntity, name: string): HttpError {
    return odataError(400, '', 'An error has occurred.', {
      message: `Could not find a property named '${name}' on type 'Microsoft.Dynamics.DataEntities.${e.typeName}'.`,
      type: 'Microsoft.OData.ODataException',
    });
  }

  private field(e: ErpEntity, name: string) {
    const f = e.fields.get(name);
    if (!f) throw this.propertyError(e, name);
    return f;
  }

  private value(e: ErpEntity, row: Row<ErpRecord>, name: string): unknown {
    if (name === 'ModifiedDateTime') return row.modifiedAt;
    // Key fields are the lower-cased parts of the row key: filtering and sorting on them (what a
    // connector's keyset paging does) decodes no record.
    const keyIndex = e.keys.indexOf(name);
    if (keyIndex >= 0) return row.key.split('|')[keyIndex];
    const v = row.record[name];
    if (v === null || v === undefined) return null;
    if (e.fields.get(name)?.type === 'datetime') return Date.parse(String(v));
    return typeof v === 'string' ? v.toLowerCase() : v;
  }

  private compile(e: ErpEntity, f: ODataFilter): (row: Row<ErpRecord>) => boolean {
    switch (f.kind) {
      case 'and': {
        const l = this.compile(e, f.left);
        const r = this.compile(e, f.right);
        return (row) => l(row) && r(row);
      }
      case 'or': {
        const l = this.compile(e, f.left);
        const r = this.compile(e, f.right);
        return (row) => l(row) || r(row);
      }
      case 'not': {
        const inner = this.compile(e, f.inner);
        return (row) => !inner(row);
      }
      case 'cmp': {
        const field = this.field(e, f.field);
        let lit: unknown = f.value;
        if (field.type === 'datetime') {
          if (lit !== null && (typeof lit !== 'object' || !('datetime' in lit)))
            throw odataError(400, '', 'An error has occurred.', {
              message: `A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind '${f.op}'.`,
              type: 'Microsoft.OData.ODataException',
            });
          lit = lit === null ? null : (lit as { datetime: number }).datetime;
        } else if (typeof lit === 'string') lit = lit.toLowerCase();
        else if (lit !== null && typeof lit === 'object') lit = (lit as { datetime: number }).datetime;
        const name = f.field;
        const test = (v: unknown): boolean => {
          switch (f.op) {
            case 'eq':
              return v === lit;
            case 'ne':
              return v !== lit;
            case 'gt':
              return v !== null && lit !== null && (v as number) > (lit as number);
            case 'ge':
              return v !== null && lit !== null && (v as number) >= (lit as number);
            case 'lt':
              return v !== null && lit !== null && (v as number) < (lit as number);
            case 'le':
              return v !== null && lit !== null && (v as number) <= (lit as number);
          }
        };
        return (row) => test(this.value(e, row, name));
      }
    }
  }

  private list(ctx: RequestContext): void {
    this.authorize(ctx);
    const e = this.entityOf(ctx.params.entity);
    const q = ctx.url.searchParams;
    const crossCompany = q.get('cross-company') === 'true';
    let filter: ((row: Row<ErpRecord>) => boolean) | null = null;
    const filterText = q.get('$filter');
    if (filterText) {
      try {
        filter = this.compile(e, parseODataFilter(filterText));
      } catch (error) {
        if (error instanceof ODataQueryError) throw DYNAMICS_ERRORS.badRequest(error.message);
        throw error;
      }
    }
    const select =
      q
        .get('$select')
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? null;
    for (const s of select ?? []) this.field(e, s);
    const top = this.nonNegative(q.get('$top'), '$top');
    const skip = this.nonNegative(q.get('$skip'), '$skip') ?? 0;
    const orderBy = (q.get('$orderby') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const [name, dir] = s.split(/\s+/);
        this.field(e, name);
        if (dir && !/^(asc|desc)$/i.test(dir)) throw DYNAMICS_ERRORS.badRequest(`Syntax error in $orderby: '${s}'.`);
        return { name, desc: dir?.toLowerCase() === 'desc' };
      });

    let rows: Row<ErpRecord>[] = [];
    for (const row of this.store.table(e.name).rowsInOrder()) {
      if (!crossCompany && this.value(e, row, 'dataAreaId') !== DEFAULT_COMPANY) continue;
      if (filter && !filter(row)) continue;
      rows.push(row);
    }
    // `$count` is the size of the whole filtered collection, whatever $top and $skip say.
    const matched = rows.length;
    const total = top === null ? rows.length - skip : Math.min(top, rows.length - skip);
    const preferred = /odata\.maxpagesize=(\d+)/.exec(String(ctx.req.headers.prefer ?? ''));
    const pageSize = Math.min(
      this.options.pageSize ?? DEFAULT_PAGE_SIZE,
      preferred ? Math.max(1, Number(preferred[1])) : Infinity,
    );
    const count = Math.max(0, Math.min(total, pageSize));
    if (orderBy.length > 0)
      rows = firstInOrder(
        rows,
        skip + count,
        (row) => orderBy.map((o) => this.value(e, row, o.name)),
        orderBy.map((o) => o.desc),
      );
    rows = rows.slice(skip, skip + count);
    const value = rows.map((row) => this.present(e, row, select));
    if (ctx.faults.has('malformed') && value.length > 0)
      malformRecord(
        value[0],
        {
          date: 'ModifiedDateTime',
          required: e.keys[1],
          text: e.keys[1] === 'CustomerAccount' ? 'OrganizationName' : e.keys[1],
        },
        skip,
      );
    const body: Record<string, unknown> = {
      '@odata.context': `${this.http.baseUrl}/data/$metadata#${e.name}${select ? `(${select.join(',')})` : ''}`,
    };
    if (q.get('$count') === 'true') body['@odata.count'] = matched;
    body.value = value;
    if (total > count) {
      const next = new URL(ctx.url.toString());
      next.searchParams.set('$skip', String(skip + count));
      if (top !== null) next.searchParams.set('$top', String(top - count));
      body['@odata.nextLink'] = `${this.http.baseUrl}${next.pathname}?${next.searchParams.toString()}`;
    }
    sendJson(ctx, 200, body, preferred ? { 'Preference-Applied': `odata.maxpagesize=${pageSize}` } : {});
  }

  private nonNegative(text: string | null, name: string): number | null {
    if (text === null) return null;
    if (!/^\d+$/.test(text))
      throw DYNAMICS_ERRORS.badRequest(
        `Invalid value '${text}' for ${name} query option found. The ${name} query option requires a non-negative integer value.`,
      );
    return Number(text);
  }

  /** `dataAreaId='usmf',CustomerAccount='C000123'` → table key; every key property must be given. */
  private keyOf(e: ErpEntity, predicate: string): string {
    const parts = new Map<string, string>();
    const re = /\s*(\w+)\s*=\s*'((?:[^']|'')*)'\s*(,|$)/gy;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = re.exec(predicate)) !== null) {
      parts.set(m[1], m[2].replace(/''/g, "'"));
      consumed = re.lastIndex;
      if (consumed >= predicate.length) break;
    }
    if (consumed < predicate.length || e.keys.some((k) => !parts.has(k)) || parts.size !== e.keys.length)
      throw DYNAMICS_ERRORS.badRequest(
        `The key in the request URI is not valid for resource '${e.typeName}'. Expected key properties: ${e.keys.join(', ')}.`,
      );
    return e.keys.map((k) => parts.get(k)!.toLowerCase()).join('|');
  }

  /**
   * The row a key addresses. As in F&O, a record of another legal entity than the caller's default
   * company is not found unless the request says `cross-company=true`.
   */
  private rowOf(ctx: RequestContext, e: ErpEntity): { key: string; row: Row<ErpRecord> } {
    const key = this.keyOf(e, ctx.params.key);
    const row = this.store.table(e.name).get(key);
    const visible =
      row &&
      (ctx.url.searchParams.get('cross-company') === 'true' ||
        String(row.record.dataAreaId).toLowerCase() === DEFAULT_COMPANY);
    if (!visible)
      throw odataError(
        404,
        '',
        `No resources were found when selecting for update or for ${e.name}(${ctx.params.key}).`,
      );
    return { key, row };
  }

  etag(row: Row<ErpRecord>): string {
    return `W/"${Buffer.from(`1,${row.version}${row.modifiedAt}`).toString('base64')}"`;
  }

  present(e: ErpEntity, row: Row<ErpRecord>, select: string[] | null): Record<string, unknown> {
    const out: Record<string, unknown> = { '@odata.etag': this.etag(row) };
    for (const name of select ?? [...e.fields.keys()])
      out[name] = name === 'ModifiedDateTime' ? erpIso(row.modifiedAt) : (row.record[name] ?? null);
    return out;
  }

  private getOne(ctx: RequestContext): void {
    this.authorize(ctx);
    const e = this.entityOf(ctx.params.entity);
    const { row } = this.rowOf(ctx, e);
    const select =
      ctx.url.searchParams
        .get('$select')
        ?.split(',')
        .map((s) => s.trim()) ?? null;
    for (const s of select ?? []) this.field(e, s);
    sendJson(
      ctx,
      200,
      { '@odata.context': `${this.http.baseUrl}/data/$metadata#${e.name}/$entity`, ...this.present(e, row, select) },
      { ETag: this.etag(row) },
    );
  }

  private validate(e: ErpEntity, body: Record<string, unknown>, creating: boolean): ErpRecord {
    const values: ErpRecord = {};
    for (const [name, raw] of Object.entries(body)) {
      if (name.startsWith('@odata.')) continue;
      const f = e.fields.get(name);
      if (!f)
        throw odataError(400, '', 'An error has occurred.', {
          message: `The property '${name}' does not exist on type 'Microsoft.Dynamics.DataEntities.${e.typeName}'. Make sure to only use property names that are defined by the type.`,
          type: 'Microsoft.OData.ODataException',
        });
      if (!creating && e.keys.includes(name))
        throw DYNAMICS_ERRORS.badRequest(`The key property '${name}' cannot be changed.`);
      if (name === 'ModifiedDateTime' || name === 'CreatedDateTime')
        throw DYNAMICS_ERRORS.badRequest(`The property '${name}' is read-only.`);
      if (raw === null) {
        if (f.required) throw DYNAMICS_ERRORS.badRequest(`Field '${name}' must be filled in.`);
        values[name] = null;
        continue;
      }
      if (f.type === 'decimal' ? typeof raw !== 'number' : typeof raw !== 'string')
        throw DYNAMICS_ERRORS.badRequest(
          `Cannot convert the literal '${JSON.stringify(raw)}' to the expected type '${f.type === 'decimal' ? 'Edm.Decimal' : 'Edm.String'}'.`,
        );
      if (f.enum && !f.enum.members.includes(raw as string))
        throw DYNAMICS_ERRORS.badRequest(
          `Cannot convert the literal '${JSON.stringify(raw)}' to the expected type 'Microsoft.Dynamics.DataEntities.${f.enum.name}'.`,
        );
      if (f.maxLength && typeof raw === 'string' && raw.length > f.maxLength)
        throw DYNAMICS_ERRORS.badRequest(
          `Write failed for table row of type '${e.typeName}'. The value of field '${name}' is longer than ${f.maxLength} characters.`,
        );
      values[name] = raw as string | number;
    }
    return values;
  }

  private async update(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const e = this.entityOf(ctx.params.entity);
    const table = this.store.table(e.name);
    const { key, row } = this.rowOf(ctx, e);
    const ifMatch = ctx.req.headers['if-match'];
    if (ifMatch && ifMatch !== '*' && ifMatch !== this.etag(row))
      throw odataError(
        412,
        '',
        'The ETag value in the request header does not match the current ETag value of the object.',
        {
          message: `Write conflict for table row of type '${e.typeName}'. The record was updated by another user since it was read.`,
          type: 'Microsoft.Dynamics.Platform.Integration.Services.OData.ODataConcurrencyException',
        },
      );
    const body = await ctx.readJson();
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw DYNAMICS_ERRORS.badRequest('The request body must be a JSON object.');
    const values = this.validate(e, body as Record<string, unknown>, false);
    const written = table.put({ ...row.record, ...values }, Date.now());
    this.http.stats.record(e.name, key);
    sendEmpty(ctx, 204, { ETag: this.etag(written) });
  }

  private async create(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const e = this.entityOf(ctx.params.entity);
    const body = await ctx.readJson();
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw DYNAMICS_ERRORS.badRequest('The request body must be a JSON object.');
    const values = this.validate(e, body as Record<string, unknown>, true);
    for (const [name, f] of e.fields)
      if (f.required && (values[name] === undefined || values[name] === ''))
        throw DYNAMICS_ERRORS.badRequest(`Field '${name}' must be filled in.`);
    const key = erpKey(e, values);
    const table = this.store.table(e.name);
    if (table.get(key))
      throw odataError(400, '', `The record already exists.`, {
        message: `Cannot create a record in ${e.typeName}. The record already exists.`,
        type: 'Microsoft.Dynamics.Ax.Xpp.ErrorException',
      });
    if (e.fields.has('CreatedDateTime')) values.CreatedDateTime = erpIso(Date.now());
    const row = table.put(values, Date.now());
    this.http.stats.record(e.name, key);
    sendJson(
      ctx,
      201,
      { '@odata.context': `${this.http.baseUrl}/data/$metadata#${e.name}/$entity`, ...this.present(e, row, null) },
      { ETag: this.etag(row) },
    );
  }
}
