/**
 * CRM: the Salesforce REST API subset a connector uses (OAuth2 client credentials, SOQL query with
 * query-locator paging, sObject read/update/upsert-by-external-id/create, composite sObject updates,
 * the `/composite` resource with per-subrequest headers), conditional request headers on sObject
 * Rows (`If-Match`/`If-None-Match` with Account ETags, `If-Unmodified-Since` on every object; 412 when
 * the precondition fails), with Salesforce's own status codes and error bodies; and Change Data Capture
 * over the Streaming API (`streaming/`).
 */
import { createHash, randomBytes } from 'node:crypto';
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
import type { Row } from '../../store/record-table';
import { SF_OBJECTS, sfDateTime, toId18, type SfField, type SfObject, type SfRecord } from './salesforce-schema';
import { parseSoql, SoqlError, type Condition, type SoqlQuery, type SoqlValue } from './soql.parser';
import type { SalesforceStore } from './salesforce.store';
import {
  ChangeDataCapture,
  restChangeOrigin,
  type SalesforceStreamingOptions,
  type WriteTransaction,
} from './streaming/change-data-capture';

export const SF_API_VERSION = '60.0';
const PAGE_SIZE = 2000;
const COMPOSITE_LIMIT = 200;
/** Subrequests per `/composite` call. */
const COMPOSITE_SUBREQUEST_LIMIT = 25;
const LOCATOR_TTL_MS = 15 * 60_000;
const MAX_OPEN_LOCATORS = 500;
/** The user the OAuth client acts as: its id URL names it, its API writes' change events carry it. */
const INTEGRATION_USER_ID = '005d0000001demoAAA';
const EXTERNAL_ID_FIELDS: Record<string, string> = {
  account: 'ERP_Customer_Number__c',
  opportunity: 'ERP_Order_Number__c',
};

export interface SalesforceCredentials {
  clientId: string;
  clientSecret: string;
}

export interface SalesforceServerOptions {
  store: SalesforceStore;
  credentials: SalesforceCredentials;
  faults?: SystemFaults;
  seed?: number;
  tokenTtlSeconds?: number;
  /** Change Data Capture over the Streaming API (`/cometd/60.0`). */
  streaming?: SalesforceStreamingOptions;
}

type SfError = { message: string; errorCode: string; fields?: string[] };
const sfError = (status: number, errors: SfError[], headers: Record<string, string> = {}) =>
  new HttpError(
    status,
    errors.map((e) => ({ message: e.message, errorCode: e.errorCode, fields: e.fields ?? [] })),
    headers,
  );

const SALESFORCE_ERRORS: ErrorStyle = {
  unauthorized: () => sfError(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]),
  throttled: (retryAfter) =>
    sfError(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], {
      'Retry-After': String(retryAfter),
    }),
  outage: (status) =>
    sfError(status, [{ message: 'Service temporarily unavailable, please retry', errorCode: 'SERVER_UNAVAILABLE' }]),
  notFound: () => sfError(404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]),
  badRequest: (message) => sfError(400, [{ message, errorCode: 'JSON_PARSER_ERROR' }]),
  internal: (message) =>
    sfError(500, [{ message: `An unexpected error occurred: ${message}`, errorCode: 'UNKNOWN_EXCEPTION' }]),
};

interface Locator {
  object: SfObject;
  fields: string[];
  keys: string[];
  expiresAt: number;
}

type Getter = (row: Row<SfRecord>) => unknown;

export class SalesforceServer {
  readonly http: SystemServer;
  readonly changeDataCapture: ChangeDataCapture;
  private readonly tokens: TokenStore;
  private readonly locators = new Map<string, Locator>();
  private apiCalls = 0;

  constructor(private readonly options: SalesforceServerOptions) {
    this.tokens = new TokenStore(options.tokenTtlSeconds ?? 7200);
    const store = options.store;
    this.http = new SystemServer('crm', SALESFORCE_ERRORS, options.faults, options.seed, {
      expireTokens: () => this.tokens.expireAll(),
      record: (entity, key) => {
        const row = store.table(entity)?.get(key);
        return row ? this.present(SF_OBJECTS.get(entity.toLowerCase())!, row, null) : undefined;
      },
      mutate: (entity, key, fields) => {
        const object = SF_OBJECTS.get(entity.toLowerCase());
        const row = store.table(entity)?.get(key);
        if (!object || !row) throw new Error(`no ${entity} ${key}`);
        store.put(object.name, { ...row.record, ...(fields as SfRecord), Id: key }, Date.now());
        return this.present(object, store.table(entity)!.get(key)!, null);
      },
      extra: (path, ctx) => this.changeDataCapture.admin(path, ctx),
    });
    this.changeDataCapture = new ChangeDataCapture(store, {
      ...options.streaming,
      // The Streaming API takes the session as `OAuth <token>` (CometD clients) or `Bearer <token>`.
      isAuthorized: (header) => this.tokens.isValid(/^(?:OAuth|Bearer)\s+(.+)$/i.exec(header ?? '')?.[1]),
      outage: () => (this.http.faults.decideStreamingOutage() ? this.http.faults.outageStatus : null),
    });
    const v = String.raw`/services/data/v\d+\.\d`;
    this.http
      .route('POST', /^\/services\/oauth2\/token$/, (ctx) => this.token(ctx), { faultable: false })
      .route('GET', /^\/services\/data\/?$/, (ctx) => this.versions(ctx))
      .route('GET', new RegExp(`^${v}/query/?$`), (ctx) => this.query(ctx), { list: true })
      .route('GET', new RegExp(`^${v}/query/(?<locator>[A-Za-z0-9]+)-(?<offset>\\d+)$`), (ctx) => this.queryMore(ctx), {
        list: true,
      })
      .route('PATCH', new RegExp(`^${v}/composite/sobjects/?$`), (ctx) => this.composite(ctx))
      .route('POST', new RegExp(`^${v}/composite/?$`), (ctx) => this.compositeRequest(ctx))
      .route('GET', new RegExp(`^${v}/sobjects/(?<object>\\w+)/(?<id>\\w+)$`), (ctx) => this.getRecord(ctx))
      .route('PATCH', new RegExp(`^${v}/sobjects/(?<object>\\w+)/(?<id>\\w+)$`), (ctx) => this.updateRecord(ctx))
      .route('DELETE', new RegExp(`^${v}/sobjects/(?<object>\\w+)/(?<id>\\w+)$`), (ctx) => this.deleteRecord(ctx))
      .route('POST', new RegExp(`^${v}/sobjects/(?<object>\\w+)/?$`), (ctx) => this.createRecord(ctx))
      .route('GET', new RegExp(`^${v}/sobjects/(?<object>\\w+)/(?<field>\\w+)/(?<value>[^/]+)$`), (ctx) =>
        this.getByExternalId(ctx),
      )
      .route('PATCH', new RegExp(`^${v}/sobjects/(?<object>\\w+)/(?<field>\\w+)/(?<value>[^/]+)$`), (ctx) =>
        this.upsert(ctx),
      )
      // Faults are drawn inside: a held long poll must not take the faults queued for API calls.
      .route('POST', /^\/cometd\/\d+\.\d+(?:\/.*)?$/, (ctx) => this.changeDataCapture.bayeux.handle(ctx), {
        faultable: false,
      });
  }

  get store(): SalesforceStore {
    return this.options.store;
  }

  // ---- auth ----

  private async token(ctx: RequestContext): Promise<void> {
    const form = await ctx.readForm();
    if (form.get('grant_type') !== 'client_credentials')
      return sendJson(ctx, 400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    const { clientId, clientSecret } = this.options.credentials;
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret)
      return sendJson(ctx, 400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const { token } = this.tokens.issue('00Dd0000000demo!');
    const issuedAt = String(Date.now());
    sendJson(ctx, 200, {
      access_token: token,
      signature: randomBytes(32).toString('base64'),
      scope: 'api',
      instance_url: this.http.baseUrl,
      id: `${this.http.baseUrl}/id/00Dd0000000demoEAA/${INTEGRATION_USER_ID}`,
      token_type: 'Bearer',
      issued_at: issuedAt,
    });
  }

  private authorize(ctx: RequestContext): void {
    if (!this.tokens.isValid(bearerOf(ctx.req.headers.authorization))) throw SALESFORCE_ERRORS.unauthorized();
    this.apiCalls++;
    ctx.res.setHeader('Sforce-Limit-Info', `api-usage=${this.apiCalls}/100000`);
  }

  private versions(ctx: RequestContext): void {
    this.authorize(ctx);
    sendJson(ctx, 200, [{ label: "Spring '24", url: `/services/data/v${SF_API_VERSION}`, version: SF_API_VERSION }]);
  }

  // ---- query ----

  private query(ctx: RequestContext): void {
    this.authorize(ctx);
    const q = ctx.url.searchParams.get('q');
    if (!q) throw sfError(400, [{ message: 'MALFORMED_QUERY: q parameter is required', errorCode: 'MALFORMED_QUERY' }]);
    let parsed: SoqlQuery;
    try {
      parsed = parseSoql(q);
    } catch (error) {
      if (error instanceof SoqlError) throw sfError(400, [{ message: error.message, errorCode: error.errorCode }]);
      throw error;
    }
    const object = SF_OBJECTS.get(parsed.object.toLowerCase());
    if (!object)
      throw sfError(400, [
        {
          message: `sObject type '${parsed.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
          errorCode: 'INVALID_TYPE',
        },
      ]);
    const rows = this.execute(object, parsed);
    if (parsed.count) return sendJson(ctx, 200, { totalSize: rows.length, done: true, records: [] });
    const fields = parsed.fields.map((name) => this.canonicalPath(object, name));
    this.respondPage(
      ctx,
      object,
      fields,
      rows.map((r) => r.key),
      0,
      this.batchSize(ctx),
    );
  }

  private queryMore(ctx: RequestContext): void {
    this.authorize(ctx);
    const locator = this.locators.get(ctx.params.locator);
    if (!locator || locator.expiresAt < Date.now())
      throw sfError(400, [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
    const offset = Number(ctx.params.offset);
    this.respondPage(
      ctx,
      locator.object,
      locator.fields,
      locator.keys,
      offset,
      this.batchSize(ctx),
      ctx.params.locator,
    );
  }

  private batchSize(ctx: RequestContext): number {
    const header = String(ctx.req.headers['sforce-query-options'] ?? '');
    const m = /batchSize=(\d+)/i.exec(header);
    return m ? Math.max(200, Math.min(PAGE_SIZE, Number(m[1]))) : PAGE_SIZE;
  }

  private respondPage(
    ctx: RequestContext,
    object: SfObject,
    fields: string[],
    keys: string[],
    offset: number,
    size: number,
    locatorId?: string,
  ): void {
    const table = this.store.table(object.name)!;
    const end = Math.min(keys.length, offset + size);
    const records: Record<string, unknown>[] = [];
    for (let i = offset; i < end; i++) {
      const row = table.get(keys[i]);
      if (row) records.push(this.present(object, row, fields));
    }
    if (ctx.faults.has('malformed') && records.length > 0) {
      const pick = (types: string[]) =>
        fields.find((fld) => types.includes(object.fields.get(fld)?.type ?? '')) ?? fields[0];
      malformRecord(
        records[0],
        { date: pick(['datetime', 'date']), required: pick(['id']), text: pick(['string', 'textarea']) },
        offset / size,
      );
    }
    const done = end >= keys.length;
    let nextRecordsUrl: string | undefined;
    if (!done) {
      let id = locatorId;
      if (!id) {
        id = `01g${randomBytes(9).toString('hex').slice(0, 15)}`;
        this.sweepLocators();
        this.locators.set(id, { object, fields, keys, expiresAt: Date.now() + LOCATOR_TTL_MS });
      }
      nextRecordsUrl = `/services/data/v${SF_API_VERSION}/query/${id}-${end}`;
    } else if (locatorId) this.locators.delete(locatorId);
    sendJson(ctx, 200, { totalSize: keys.length, done, ...(nextRecordsUrl ? { nextRecordsUrl } : {}), records });
  }

  private sweepLocators(): void {
    const now = Date.now();
    for (const [id, l] of this.locators) if (l.expiresAt < now) this.locators.delete(id);
    while (this.locators.size >= MAX_OPEN_LOCATORS) this.locators.delete(this.locators.keys().next().value!);
  }

  private canonicalPath(object: SfObject, path: string): string {
    const parts = path.split('.');
    if (parts.length === 1) {
      const field = object.byLowerName.get(path.toLowerCase());
      if (!field) throw this.noSuchColumn(object, path);
      return field.name;
    }
    if (parts.length !== 2)
      throw sfError(400, [
        { message: `Relationship paths deeper than one level are not supported: ${path}`, errorCode: 'INVALID_FIELD' },
      ]);
    const ref = [...object.fields.values()].find((x) => x.relationshipName?.toLowerCase() === parts[0].toLowerCase());
    if (!ref?.referenceTo) throw this.noSuchColumn(object, path);
    const target = SF_OBJECTS.get(ref.referenceTo.toLowerCase())!;
    const field = target.byLowerName.get(parts[1].toLowerCase());
    if (!field) throw this.noSuchColumn(object, path);
    return `${ref.relationshipName}.${field.name}`;
  }

  private noSuchColumn(object: SfObject, name: string): HttpError {
    return sfError(400, [
      {
        message: `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`,
        errorCode: 'INVALID_FIELD',
      },
    ]);
  }

  private fieldOf(object: SfObject, path: string): SfField {
    const canonical = this.canonicalPath(object, path);
    const parts = canonical.split('.');
    if (parts.length === 1) return object.fields.get(canonical)!;
    const ref = [...object.fields.values()].find((x) => x.relationshipName === parts[0])!;
    return SF_OBJECTS.get(ref.referenceTo!.toLowerCase())!.fields.get(parts[1])!;
  }

  /** A comparable value of a field: datetimes as ms, strings lower-cased unless an Id. */
  private getter(object: SfObject, path: string): Getter {
    const canonical = this.canonicalPath(object, path);
    const parts = canonical.split('.');
    const field = this.fieldOf(object, path);
    // Stamps and Id come from the row itself: sorting or filtering on them decodes no record.
    const value = (row: Row<SfRecord>, name: string): unknown => {
      if (name === 'SystemModstamp' || name === 'LastModifiedDate') return row.modifiedAt;
      if (name === 'IsDeleted') return false;
      if (name === 'Id') return row.key;
      const v = row.record[name];
      if (v === undefined || v === null) return null;
      if (field.type === 'datetime') return Date.parse(String(v).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (typeof v === 'string' && field.type !== 'id' && field.type !== 'reference') return v.toLowerCase();
      return v;
    };
    if (parts.length === 1) return (row) => value(row, canonical);
    const ref = [...object.fields.values()].find((x) => x.relationshipName === parts[0])!;
    const target = this.store.table(ref.referenceTo!)!;
    return (row) => {
      const id = row.record[ref.name];
      const targetRow = typeof id === 'string' ? target.get(id) : undefined;
      return targetRow ? value(targetRow, parts[1]) : null;
    };
  }

  private literal(object: SfObject, path: string, v: SoqlValue): unknown {
    const field = this.fieldOf(object, path);
    if (field.type === 'datetime') {
      if (v === null) return null;
      if (typeof v !== 'object' || !('datetime' in v))
        throw sfError(400, [
          {
            message: `value of filter criterion for field '${field.name}' must be of type dateTime and should not be enclosed in quotes`,
            errorCode: 'INVALID_FIELD',
          },
        ]);
      return v.datetime;
    }
    if (v !== null && typeof v === 'object') return 'datetime' in v ? v.datetime : v.date;
    if (typeof v === 'string' && field.type !== 'id' && field.type !== 'reference') return v.toLowerCase();
    return v;
  }

  private compile(object: SfObject, c: Condition): (row: Row<SfRecord>) => boolean {
    switch (c.kind) {
      case 'and': {
        const l = this.compile(object, c.left);
        const r = this.compile(object, c.right);
        return (row) => l(row) && r(row);
      }
      case 'or': {
        const l = this.compile(object, c.left);
        const r = this.compile(object, c.right);
        return (row) => l(row) || r(row);
      }
      case 'not': {
        const inner = this.compile(object, c.inner);
        return (row) => !inner(row);
      }
      case 'in': {
        const get = this.getter(object, c.field);
        const values = new Set(c.values.map((v) => idKey(this.literal(object, c.field, v))));
        return (row) => values.has(idKey(get(row))) !== c.negated;
      }
      case 'cmp': {
        const get = this.getter(object, c.field);
        const lit = this.literal(object, c.field, c.value);
        switch (c.op) {
          case '=':
            return (row) => idKey(get(row)) === idKey(lit);
          case '!=':
            return (row) => idKey(get(row)) !== idKey(lit);
          case 'like': {
            const re = new RegExp(
              `^${String(lit)
                .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
                .replace(/%/g, '.*')
                .replace(/_/g, '.')}$`,
              'i',
            );
            return (row) => {
              const v = get(row);
              return typeof v === 'string' && re.test(v);
            };
          }
          case '<':
            return (row) => cmp(get(row), lit) < 0;
          case '<=':
            return (row) => cmp(get(row), lit) <= 0;
          case '>':
            return (row) => cmp(get(row), lit) > 0;
          case '>=':
            return (row) => cmp(get(row), lit) >= 0;
        }
      }
    }
  }

  private execute(object: SfObject, q: SoqlQuery): Row<SfRecord>[] {
    const table = this.store.table(object.name)!;
    const where = q.where ? this.compile(object, q.where) : null;
    // Like Salesforce, Id and the Account external id are indexed: such a filter looks its rows up
    // instead of scanning the table. The candidates still pass the whole WHERE clause.
    const candidates = q.where ? this.indexedRows(object, q.where) : null;
    let rows: Row<SfRecord>[] = [];
    for (const row of candidates ?? table.rowsInOrder()) if (!where || where(row)) rows.push(row);
    if (q.orderBy.length > 0) {
      const keys = q.orderBy.map((o) => ({ ...o, get: this.getter(object, o.field) }));
      rows.sort((a, b) => {
        for (const k of keys) {
          const va = k.get(a);
          const vb = k.get(b);
          if (va === null || vb === null) {
            if (va === vb) continue;
            return (va === null) === k.nullsLast ? 1 : -1;
          }
          const d = cmp(va, vb);
          if (d !== 0) return k.descending ? -d : d;
        }
        return 0;
      });
    }
    if (q.offset > 0 || q.limit !== null)
      rows = rows.slice(q.offset, q.limit === null ? undefined : q.offset + q.limit);
    return rows;
  }

  /**
   * The rows an indexed condition can match: `Id = …` / `Id IN (…)` (15- or 18-character Ids) and, on
   * Account, `ERP_Customer_Number__c = …` / `IN (…)` (case-insensitive, as SOQL compares text). Of an
   * AND the smaller indexed side; null when the condition has no indexed path (OR, NOT, ranges,
   * relationship fields, NOT IN, empty or null external ids): the caller scans then. Rows come in the
   * order of the values asked (SOQL guarantees no order without ORDER BY).
   */
  private indexedRows(object: SfObject, c: Condition): Row<SfRecord>[] | null {
    if (c.kind === 'and') {
      const left = this.indexedRows(object, c.left);
      const right = this.indexedRows(object, c.right);
      if (!left || !right) return left ?? right;
      return left.length <= right.length ? left : right;
    }
    let values: SoqlValue[];
    if (c.kind === 'cmp' && c.op === '=') values = [c.value];
    else if (c.kind === 'in' && !c.negated) values = c.values;
    else return null;
    if (c.field.includes('.')) return null;
    const field = this.canonicalPath(object, c.field);
    const table = this.store.table(object.name)!;
    const out = new Map<string, Row<SfRecord>>();
    if (field === 'Id') {
      for (const v of values) {
        if (typeof v !== 'string' || !/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(v)) continue;
        const row = table.get(toId18(v.slice(0, 15))) ?? table.get(v);
        if (row) out.set(row.record.Id as string, row);
      }
      return [...out.values()];
    }
    if (object.name === 'Account' && field === EXTERNAL_ID_FIELDS.account) {
      if (values.some((v) => typeof v !== 'string' || v === '')) return null;
      for (const v of values)
        for (const id of this.store.accountIdsByCustomerNumber(v as string)) {
          const row = table.get(id);
          if (row) out.set(id, row);
        }
      return [...out.values()];
    }
    return null;
  }

  /** A record as Salesforce returns it: `attributes` first, then the selected fields (all when null). */
  present(object: SfObject, row: Row<SfRecord>, fields: string[] | null): Record<string, unknown> {
    const id = row.record.Id as string;
    const out: Record<string, unknown> = {
      attributes: { type: object.name, url: `/services/data/v${SF_API_VERSION}/sobjects/${object.name}/${id}` },
    };
    for (const name of fields ?? [...object.fields.keys()]) {
      const parts = name.split('.');
      if (parts.length === 2) {
        const ref = [...object.fields.values()].find((x) => x.relationshipName === parts[0])!;
        const targetId = row.record[ref.name];
        const target = typeof targetId === 'string' ? this.store.table(ref.referenceTo!)!.get(targetId) : undefined;
        if (!target) {
          out[parts[0]] = null;
          continue;
        }
        const nested = (out[parts[0]] ??= {
          attributes: {
            type: ref.referenceTo,
            url: `/services/data/v${SF_API_VERSION}/sobjects/${ref.referenceTo}/${targetId as string}`,
          },
        }) as Record<string, unknown>;
        nested[parts[1]] = this.fieldValue(target, parts[1]);
      } else out[name] = this.fieldValue(row, name);
    }
    return out;
  }

  private fieldValue(row: Row<SfRecord>, name: string): unknown {
    if (name === 'SystemModstamp' || name === 'LastModifiedDate') return sfDateTime(row.modifiedAt);
    if (name === 'IsDeleted') return false;
    return row.record[name] ?? null;
  }

  // ---- records ----

  private objectOf(name: string): SfObject {
    const object = SF_OBJECTS.get(name.toLowerCase());
    if (!object) throw sfError(404, [{ message: `The requested resource does not exist`, errorCode: 'NOT_FOUND' }]);
    return object;
  }

  private getRecord(ctx: RequestContext): void {
    this.authorize(ctx);
    const object = this.objectOf(ctx.params.object);
    const row = this.findById(object, ctx.params.id);
    if (!row) throw SALESFORCE_ERRORS.notFound('');
    const fields = ctx.url.searchParams.get('fields');
    sendJson(
      ctx,
      200,
      this.present(object, row, fields ? fields.split(',').map((x) => this.canonicalPath(object, x.trim())) : null),
      this.etagHeader(object, row),
    );
  }

  /** Salesforce sends ETags for Account records only. */
  etag(row: Row<SfRecord>): string {
    const hash = createHash('sha256').update(`${row.record.Id as string}:${row.version}:${row.modifiedAt}`);
    return `"${hash.digest('base64')}--gzip"`;
  }

  private etagHeader(object: SfObject, row: Row<SfRecord>): Record<string, string> {
    return object.name === 'Account' ? { ETag: this.etag(row) } : {};
  }

  /**
   * Conditional request headers of an sObject Rows PATCH. If-Match / If-None-Match compare ETags
   * (Account records only; other objects ignore them, as Salesforce does); If-Unmodified-Since compares
   * the HTTP date with LastModifiedDate at second precision. An unparsable value is a 400.
   */
  private preconditionFailure(
    object: SfObject,
    row: Row<SfRecord>,
    headers: Record<string, string | string[] | undefined>,
  ): { status: number; errors: SfError[] } | null {
    const header = (name: string) => {
      const value = headers[name] ?? headers[Object.keys(headers).find((k) => k.toLowerCase() === name) ?? ''];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    const failed = (message: string) => ({ status: 412, errors: [{ message, errorCode: 'PRECONDITION_FAILED' }] });
    const invalid = (name: string, value: string) => ({
      status: 400,
      errors: [{ message: `Invalid ${name} header value: ${value}`, errorCode: 'INVALID_HEADER_VALUE' }],
    });
    if (object.name === 'Account') {
      const current = this.etag(row);
      const tags = (value: string) => value.split(/,(?=\s*(?:W\/)?")/).map((t) => t.trim());
      const ifMatch = header('if-match');
      if (ifMatch !== undefined) {
        if (!/^\s*(\*|(W\/)?".*")\s*$/.test(ifMatch)) return invalid('If-Match', ifMatch);
        if (ifMatch.trim() !== '*' && !tags(ifMatch).includes(current))
          return failed('The ETag of the record does not match any ETag in the If-Match header.');
      }
      const ifNoneMatch = header('if-none-match');
      if (ifNoneMatch !== undefined) {
        if (!/^\s*(\*|(W\/)?".*")\s*$/.test(ifNoneMatch)) return invalid('If-None-Match', ifNoneMatch);
        if (ifNoneMatch.trim() === '*' || tags(ifNoneMatch).includes(current))
          return failed('The ETag of the record matches an ETag in the If-None-Match header.');
      }
    }
    const since = header('if-unmodified-since');
    if (since !== undefined) {
      const at = Date.parse(since);
      if (Number.isNaN(at)) return invalid('If-Unmodified-Since', since);
      if (Math.floor(row.modifiedAt / 1000) * 1000 > at)
        return failed(`The record was modified after ${new Date(at).toUTCString()}.`);
    }
    return null;
  }

  /**
   * One sObject Rows PATCH, shared by the resource and `/composite` subrequests. `defer` collects the
   * write instead of doing it (all-or-none composites write only when every subrequest succeeded).
   */
  private patchRow(
    object: SfObject,
    id: string,
    body: unknown,
    headers: Record<string, string | string[] | undefined>,
    tx: WriteTransaction,
    defer?: (write: () => void) => void,
  ): { status: number; body: unknown; headers: Record<string, string> } {
    const row = this.findById(object, id);
    if (!row)
      return {
        status: 404,
        body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND', fields: [] }],
        headers: {},
      };
    const failure = this.preconditionFailure(object, row, headers);
    if (failure)
      return { status: failure.status, body: failure.errors.map((e) => ({ ...e, fields: [] })), headers: {} };
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return {
        status: 400,
        body: [{ message: 'The request body must be a JSON object', errorCode: 'JSON_PARSER_ERROR', fields: [] }],
        headers: {},
      };
    const { errors, values } = this.validate(object, body as Record<string, unknown>, false, row.record);
    if (errors.length > 0)
      return { status: 400, body: errors.map((e) => ({ ...e, fields: e.fields ?? [] })), headers: {} };
    const write = () => this.write(object, { ...row.record, ...values }, tx);
    if (defer) {
      defer(write);
      return { status: 204, body: null, headers: {} };
    }
    write();
    return { status: 204, body: null, headers: this.etagHeader(object, this.findById(object, id)!) };
  }

  private findById(object: SfObject, id: string): Row<SfRecord> | undefined {
    const table = this.store.table(object.name)!;
    return table.get(id.length === 15 ? toId18(id) : id);
  }

  /** Validates a write body; returns Salesforce errors rather than throwing so composite can collect them. */
  private validate(
    object: SfObject,
    body: Record<string, unknown>,
    creating: boolean,
    existing?: SfRecord,
  ): { errors: SfError[]; values: SfRecord } {
    const errors: SfError[] = [];
    const values: SfRecord = {};
    for (const [name, raw] of Object.entries(body)) {
      if (name === 'attributes' || (name === 'Id' && !creating) || name === 'id') continue;
      const field = object.byLowerName.get(name.toLowerCase());
      if (!field) {
        errors.push({
          message: `No such column '${name}' on sobject of type ${object.name}`,
          errorCode: 'INVALID_FIELD',
          fields: [name],
        });
        continue;
      }
      if (!field.updateable) {
        errors.push({
          message: `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
          fields: [field.name],
        });
        continue;
      }
      const problem = typeProblem(field, raw);
      if (problem) {
        errors.push({ ...problem, fields: [field.name] });
        continue;
      }
      if (
        field.type === 'reference' &&
        typeof raw === 'string' &&
        raw &&
        !this.store.table(field.referenceTo!)?.get(raw)
      ) {
        errors.push({
          message: `${field.name}: id value of incorrect type: ${raw}`,
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          fields: [field.name],
        });
        continue;
      }
      values[field.name] = raw as SfRecord[string];
    }
    for (const field of object.fields.values()) {
      if (!field.required) continue;
      const after = field.name in values ? values[field.name] : creating ? undefined : existing?.[field.name];
      if (after === undefined || after === null || after === '')
        errors.push({
          message: `Required fields are missing: [${field.name}]`,
          errorCode: 'REQUIRED_FIELD_MISSING',
          fields: [field.name],
        });
    }
    return { errors, values };
  }

  private async updateRecord(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const object = this.objectOf(ctx.params.object);
    if (!this.findById(object, ctx.params.id)) throw SALESFORCE_ERRORS.notFound('');
    const body = await this.jsonObject(ctx);
    const result = this.patchRow(object, ctx.params.id, body, ctx.req.headers, this.apiTransaction(ctx));
    if (result.status !== 204) throw new HttpError(result.status, result.body);
    sendEmpty(ctx, 204, result.headers);
  }

  /** `DELETE /sobjects/{object}/{id}`: 204; the org streams a DELETE change event naming the record. */
  private deleteRecord(ctx: RequestContext): void {
    this.authorize(ctx);
    const object = this.objectOf(ctx.params.object);
    const row = this.findById(object, ctx.params.id);
    if (!row) throw SALESFORCE_ERRORS.notFound('');
    const id = row.record.Id as string;
    this.changeDataCapture.within(this.apiTransaction(ctx), () => this.store.delete(object.name, id));
    this.http.stats.record(object.name, id);
    sendEmpty(ctx, 204);
  }

  /**
   * `POST /composite`: up to 25 subrequests, each `{method, url, referenceId, body?, httpHeaders?}`,
   * run in order; answers 200 with `{compositeResponse:[{body, httpHeaders, httpStatusCode,
   * referenceId}]}`. The estate serves GET and PATCH of sObject Rows (no `@{ref}` references).
   * With `allOrNone`, one failure rolls every subrequest back (`PROCESSING_HALTED`); writes are done
   * after the last subrequest, so a subrequest does not see an earlier one's write.
   */
  private async compositeRequest(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const body = (await this.jsonObject(ctx)) as { allOrNone?: unknown; compositeRequest?: unknown };
    if (!Array.isArray(body.compositeRequest) || body.compositeRequest.length === 0)
      throw sfError(400, [{ message: 'compositeRequest is required', errorCode: 'INVALID_FIELD' }]);
    if (body.compositeRequest.length > COMPOSITE_SUBREQUEST_LIMIT)
      throw sfError(400, [
        {
          message: `Composite request may contain at most ${COMPOSITE_SUBREQUEST_LIMIT} subrequests`,
          errorCode: 'INVALID_FIELD',
        },
      ]);
    const allOrNone = body.allOrNone === true;
    const tx = this.apiTransaction(ctx);
    const deferred: (() => void)[] = [];
    const responses: {
      body: unknown;
      httpHeaders: Record<string, string>;
      httpStatusCode: number;
      referenceId: string;
    }[] = [];
    const referenceIds = new Set<string>();
    for (const raw of body.compositeRequest as Record<string, unknown>[]) {
      const sub = (typeof raw === 'object' && raw !== null ? raw : {}) as {
        method?: unknown;
        url?: unknown;
        referenceId?: unknown;
        body?: unknown;
        httpHeaders?: unknown;
      };
      const referenceId = typeof sub.referenceId === 'string' ? sub.referenceId : '';
      const answer = (status: number, b: unknown, headers: Record<string, string> = {}) =>
        responses.push({ body: b, httpHeaders: headers, httpStatusCode: status, referenceId });
      const error = (status: number, errorCode: string, message: string) =>
        answer(status, [{ message, errorCode, fields: [] }]);
      if (!/^[A-Za-z0-9_]+$/.test(referenceId) || referenceIds.has(referenceId)) {
        error(400, 'INVALID_FIELD', `Invalid or duplicate referenceId: ${referenceId}`);
        continue;
      }
      referenceIds.add(referenceId);
      const url = typeof sub.url === 'string' ? sub.url : '';
      const m = new RegExp(String.raw`^/services/data/v\d+\.\d/sobjects/(\w+)/(\w+)/?$`).exec(url);
      const object = m ? SF_OBJECTS.get(m[1].toLowerCase()) : undefined;
      if (!m || !object || url.includes('@{')) {
        error(400, 'NOT_FOUND', `The estate serves sObject Rows subrequests only: ${url}`);
        continue;
      }
      const headers = (
        typeof sub.httpHeaders === 'object' && sub.httpHeaders !== null ? sub.httpHeaders : {}
      ) as Record<string, string>;
      if (Object.keys(headers).some((h) => ['accept', 'authorization', 'content-type'].includes(h.toLowerCase()))) {
        throw sfError(400, [
          {
            message: 'Subrequests inherit Accept, Authorization and Content-Type from the top-level request',
            errorCode: 'INVALID_FIELD',
          },
        ]);
      }
      if (sub.method === 'GET') {
        const row = this.findById(object, m[2]);
        if (!row) error(404, 'NOT_FOUND', 'The requested resource does not exist');
        else answer(200, this.present(object, row, null), this.etagHeader(object, row));
      } else if (sub.method === 'PATCH') {
        const result = this.patchRow(
          object,
          m[2],
          sub.body,
          headers,
          tx,
          allOrNone ? (w) => deferred.push(w) : undefined,
        );
        answer(result.status, result.body, result.headers);
      } else error(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${String(sub.method)}' not allowed here`);
    }
    const failed = responses.some((r) => r.httpStatusCode >= 400);
    if (allOrNone && failed) {
      for (const r of responses)
        if (r.httpStatusCode < 400) {
          r.httpStatusCode = 400;
          r.httpHeaders = {};
          r.body = [
            {
              errorCode: 'PROCESSING_HALTED',
              message: 'The transaction was rolled back since another operation in the same transaction failed.',
              fields: [],
            },
          ];
        }
    } else for (const write of deferred) write();
    sendJson(ctx, 200, { compositeResponse: responses });
  }

  private async createRecord(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const object = this.objectOf(ctx.params.object);
    const body = await this.jsonObject(ctx);
    const { errors, values } = this.validate(object, body, true);
    if (errors.length > 0) throw sfError(400, errors);
    const id = this.store.newId(object.keyPrefix);
    this.write(object, { ...values, Id: id, CreatedDate: sfDateTime(Date.now()) }, this.apiTransaction(ctx));
    sendJson(ctx, 201, { id, success: true, errors: [] });
  }

  private externalIdField(object: SfObject, name: string): string {
    const expected = EXTERNAL_ID_FIELDS[object.name.toLowerCase()];
    if (!expected || expected.toLowerCase() !== name.toLowerCase())
      throw sfError(404, [
        { message: `Provided external ID field does not exist or is not accessible: ${name}`, errorCode: 'NOT_FOUND' },
      ]);
    return expected;
  }

  private matchesByExternalId(object: SfObject, field: string, value: string): Row<SfRecord>[] {
    const table = this.store.table(object.name)!;
    if (object.name === 'Account')
      return this.store
        .accountIdsByCustomerNumber(value)
        .map((id) => table.get(id)!)
        .filter(Boolean);
    const id = this.store.opportunityIdByOrderNumber(value);
    const row = id ? table.get(id) : undefined;
    return row && row.record[field] === value ? [row] : [];
  }

  private getByExternalId(ctx: RequestContext): void {
    this.authorize(ctx);
    const object = this.objectOf(ctx.params.object);
    const field = this.externalIdField(object, ctx.params.field);
    const rows = this.matchesByExternalId(object, field, ctx.params.value);
    if (rows.length === 0) throw SALESFORCE_ERRORS.notFound('');
    if (rows.length > 1)
      return sendJson(
        ctx,
        300,
        rows.map((r) => `/services/data/v${SF_API_VERSION}/sobjects/${object.name}/${r.record.Id as string}`),
      );
    sendJson(ctx, 200, this.present(object, rows[0], null));
  }

  private async upsert(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const object = this.objectOf(ctx.params.object);
    const field = this.externalIdField(object, ctx.params.field);
    const value = ctx.params.value;
    const body = await this.jsonObject(ctx);
    const rows = this.matchesByExternalId(object, field, value);
    if (rows.length > 1)
      return sendJson(
        ctx,
        300,
        rows.map((r) => `/services/data/v${SF_API_VERSION}/sobjects/${object.name}/${r.record.Id as string}`),
      );
    if (rows.length === 1) {
      const { errors, values } = this.validate(object, body, false, rows[0].record);
      if (errors.length > 0) throw sfError(400, errors);
      const id = rows[0].record.Id as string;
      this.write(object, { ...rows[0].record, ...values, [field]: value, Id: id }, this.apiTransaction(ctx));
      return sendJson(ctx, 200, { id, success: true, errors: [], created: false });
    }
    const { errors, values } = this.validate(object, body, true);
    if (errors.length > 0) throw sfError(400, errors);
    const id = this.store.newId(object.keyPrefix);
    this.write(
      object,
      { ...values, [field]: value, Id: id, CreatedDate: sfDateTime(Date.now()) },
      this.apiTransaction(ctx),
    );
    sendJson(ctx, 201, { id, success: true, errors: [], created: true });
  }

  private async composite(ctx: RequestContext): Promise<void> {
    this.authorize(ctx);
    const body = (await this.jsonObject(ctx)) as { allOrNone?: unknown; records?: unknown };
    if (!Array.isArray(body.records))
      throw sfError(400, [{ message: 'records is required', errorCode: 'INVALID_FIELD' }]);
    if (body.records.length > COMPOSITE_LIMIT)
      throw sfError(400, [
        {
          message: `record limit reached. cannot submit more than ${COMPOSITE_LIMIT} records into this call`,
          errorCode: 'EXCEEDED_ID_LIMIT',
        },
      ]);
    const allOrNone = body.allOrNone === true;
    const planned: ({ object: SfObject; record: SfRecord } | null)[] = [];
    const results: {
      id?: string;
      success: boolean;
      errors: { statusCode: string; message: string; fields: string[] }[];
    }[] = [];
    for (const item of body.records as Record<string, unknown>[]) {
      const attributes = (item?.attributes ?? {}) as { type?: string };
      const id = typeof item?.id === 'string' ? item.id : typeof item?.Id === 'string' ? item.Id : undefined;
      const object = attributes.type ? SF_OBJECTS.get(attributes.type.toLowerCase()) : undefined;
      const fail = (errorCode: string, message: string, fields: string[] = []) => {
        planned.push(null);
        results.push({ ...(id ? { id } : {}), success: false, errors: [{ statusCode: errorCode, message, fields }] });
      };
      if (!object) {
        fail('INVALID_TYPE', 'Must send a concrete entity type.');
        continue;
      }
      if (!id) {
        fail('MISSING_ARGUMENT', 'Id not specified in an update call');
        continue;
      }
      const row = this.store.table(object.name)!.get(id);
      if (!row) {
        fail('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
        continue;
      }
      const { errors, values } = this.validate(object, item, false, row.record);
      if (errors.length > 0) {
        planned.push(null);
        results.push({
          id,
          success: false,
          errors: errors.map((e) => ({ statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] })),
        });
        continue;
      }
      planned.push({ object, record: { ...row.record, ...values, Id: id } });
      results.push({ id, success: true, errors: [] });
    }
    const anyFailed = results.some((r) => !r.success);
    if (allOrNone && anyFailed) {
      for (const r of results)
        if (r.success) {
          r.success = false;
          r.errors = [
            {
              statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
              message:
                'Record rolled back because not all records were valid and the request was using AllOrNone header',
              fields: [],
            },
          ];
        }
    } else {
      const tx = this.apiTransaction(ctx);
      for (const p of planned) if (p) this.write(p.object, p.record, tx);
    }
    sendJson(ctx, 200, results);
  }

  private async jsonObject(ctx: RequestContext): Promise<Record<string, unknown>> {
    const body = await ctx.readJson();
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw sfError(400, [
        {
          message:
            "Json Deserialization failed on token 'null' and has left off in the middle of parsing a row. Will go to end of row to begin parsing the next row",
          errorCode: 'INVALID_FIELD',
        },
      ]);
    return body as Record<string, unknown>;
  }

  /** One request's writes are one transaction in the change events they raise. */
  private apiTransaction(ctx: RequestContext): WriteTransaction {
    return this.changeDataCapture.transaction(restChangeOrigin(ctx), INTEGRATION_USER_ID);
  }

  private write(object: SfObject, record: SfRecord, tx: WriteTransaction): void {
    this.changeDataCapture.within(tx, () => this.store.put(object.name, record, Date.now()));
    this.http.stats.record(object.name, record.Id as string);
  }
}

function typeProblem(field: SfField, raw: unknown): SfError | null {
  if (raw === null) return null;
  switch (field.type) {
    case 'boolean':
      return typeof raw === 'boolean'
        ? null
        : {
            message: `Cannot deserialize instance of boolean from VALUE_STRING value ${JSON.stringify(raw)}`,
            errorCode: 'JSON_PARSER_ERROR',
          };
    case 'currency':
      return typeof raw === 'number' && Number.isFinite(raw)
        ? null
        : {
            message: `Cannot deserialize instance of currency from ${JSON.stringify(raw)}`,
            errorCode: 'JSON_PARSER_ERROR',
          };
    case 'datetime':
    case 'date':
      return typeof raw === 'string' && !Number.isNaN(Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')))
        ? null
        : {
            message: `${field.name}: value not of required type: ${JSON.stringify(raw)}`,
            errorCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
          };
    case 'id':
    case 'reference':
    case 'string':
    case 'textarea':
    case 'email':
    case 'phone':
    case 'url':
    case 'picklist':
      if (typeof raw !== 'string')
        return {
          message: `${field.name}: value not of required type: ${JSON.stringify(raw)}`,
          errorCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
        };
      if (field.length && raw.length > field.length)
        return {
          message: `${field.name}: data value too large: ${raw.slice(0, 40)}... (max length=${field.length})`,
          errorCode: 'STRING_TOO_LONG',
        };
      return null;
  }
}

function idKey(v: unknown): unknown {
  // 15- and 18-character forms of one Salesforce Id compare equal.
  return typeof v === 'string' && v.length === 18 && /^[a-zA-Z0-9]{18}$/.test(v) ? v.slice(0, 15) : v;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
