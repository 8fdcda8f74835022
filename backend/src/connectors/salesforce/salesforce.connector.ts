import { z } from 'zod';
import { changeFingerprint, IdempotentApplier } from '../apply-ledger';
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
  ChangeStreamHandlers,
  ChangeStreamSubscription,
  Connector,
  ConnectorCapabilities,
  ConnectorHealth,
  ExtractBatch,
  ExtractOptions,
  RecordChange,
} from '../connector';
import { ConnectorConfigError, ConnectorHttpError } from '../connector.errors';
import type { ConnectorDeps } from '../connector-factory';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { connectorHttpOptions, parseSettings, requireBaseUrl } from '../connector-settings';
import { decodeCursor, encodeCursor, mapPage } from '../extract-support';
import { OAuth2ClientCredentials } from '../http/auth';
import { HttpClient } from '../http/http-client';
import { planApply } from '../mapping/apply-plan';
import {
  EntityMapper,
  mergeMapping,
  type ConnectorMapping,
  type EntityMapping,
  type TransitionTime,
} from '../mapping/entity-mapping';
import { changeOfCdcEvent } from './salesforce-change-events';
import { SalesforceChangeStream } from './salesforce-change-stream';
import { SALESFORCE_MAPPING, SALESFORCE_OBJECT } from './salesforce.mapping';

const API_VERSION = '60.0';
const API = `/services/data/v${API_VERSION}`;
const SALESFORCE_SETTINGS = z
  .object({
    /** The Change Data Capture channel the change stream subscribes to. */
    changeEventChannel: z
      .string()
      .regex(/^\/data\/\w+$/, 'a CDC channel such as /data/ChangeEvents or /data/AccountChangeEvent')
      .default('/data/ChangeEvents'),
  })
  .strict();
/** Records per SOQL `Id IN (…)` read. */
const COMPOSITE_LIMIT = 200;
/** Subrequests per `/composite` call (Salesforce's limit). */
const SUBREQUEST_LIMIT = 25;

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
interface SubrequestResult {
  body: unknown;
  httpStatusCode: number;
  referenceId: string;
}
type SfErrorBody = { errorCode?: string; message?: string }[];
/** One record update: the fields of every change aimed at it, and the changes' positions. */
interface RecordWrite {
  object: string;
  id: string;
  values: Record<string, unknown>;
  /** LastModifiedDate of the read the plan was made from. */
  readAt: Date | null;
  indexes: number[];
}

const PRECONDITION_FAILED = 'the record changed since it was read (412 Precondition Failed)';
const errorText = (body: unknown, status: number) =>
  (Array.isArray(body) ? (body as SfErrorBody) : []).map((e) => `${e.errorCode}: ${e.message}`).join('; ') ||
  `HTTP ${status}`;

type SfEntity = keyof typeof SALESFORCE_OBJECT;
const isSfEntity = (e: EntityKind): e is SfEntity => e in SALESFORCE_OBJECT;

/** SOQL datetime literals are unquoted ISO instants. */
const soqlDateTime = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');
const soqlString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Salesforce over REST + SOQL: Accounts (customers, credit profiles), Contacts, Opportunities (orders),
 * the custom Shipment__c (shipments a WMS integration copies in).
 * Extracts order by Id and follow `nextRecordsUrl`; a cursor keeps both the locator and the last Id,
 * so a resume after the locator expired continues with `Id > last`.
 *
 * Corrective writes are conditional on the server, not only checked before writing:
 * - `apply` of an Account change reads the record (sObject Rows GET, which carries the Account's
 *   ETag) and PATCHes with `If-Match` (strong validation);
 * - Contacts, Opportunities and Shipment__c have no ETag (Salesforce sends them for Accounts only),
 *   and `applyMany` reads in bulk with SOQL, which carries
 *   none: those PATCH with `If-Unmodified-Since` set to the LastModifiedDate they were planned from
 *   (weak validation, one-second precision: an edit landing within the same second as the read
 *   record's last modification is not detected). `applyMany` sends them through `/composite` — the
 *   `/composite/sobjects` collection has no per-record precondition — 25 subrequests per call (the
 *   vendor's limit), several calls in flight, each subrequest with its own header and result.
 * A 412 is decided by `writeConditionally` from a re-read (`readFields`): already applied, planned
 * and written again (another field of the record changed, e.g. by another fix-up of it), or a conflict.
 */
export class SalesforceConnector implements Connector {
  readonly kind = 'salesforce';
  readonly capabilities: ConnectorCapabilities = {
    entities: ['customer', 'credit_profile', 'contact', 'order', 'shipment'],
    writableEntities: ['customer', 'credit_profile', 'contact', 'order', 'shipment'],
    incremental: true,
    changeEvents: false,
    changeStream: true,
  };
  private readonly http: HttpClient;
  private readonly auth: OAuth2ClientCredentials;
  private readonly fetchImpl: typeof fetch;
  private readonly changeChannel: string;
  private readonly mapping: ConnectorMapping;
  private readonly metrics: ConnectorMetrics;
  private readonly idempotency: IdempotentApplier;
  private readonly fieldMappers = new Map<string, EntityMapper<EntityKind>>();
  /** Any object through `/composite`, each record with `If-Unmodified-Since`. */
  private readonly compositeWrites: ConditionalWrites = {
    write: (changes) => this.writeMany(changes),
    reread: (changes) => this.reread(changes),
    mapper: (entity) => this.mapper(entity),
  };
  /** One Account through its sObject Rows resource, with `If-Match` on its ETag. */
  private readonly accountWrites: ConditionalWrites = {
    write: async ([change]) => [await this.writeWithETag(change)],
    reread: (changes) => this.reread(changes),
    mapper: (entity) => this.mapper(entity),
  };

  constructor(
    readonly config: ConnectorConfig,
    deps: ConnectorDeps = {},
  ) {
    if (config.auth.type !== 'oauth2-client-credentials') {
      throw new ConnectorConfigError(`connector ${config.id} (salesforce): auth must be oauth2-client-credentials`);
    }
    this.auth = new OAuth2ClientCredentials({
      tokenUrl: config.auth.tokenUrl,
      clientId: config.auth.clientId,
      clientSecret: config.auth.clientSecret,
      scope: config.auth.scope,
    });
    this.metrics = deps.metrics ?? connectorMetrics();
    this.http = new HttpClient({
      ...connectorHttpOptions(config, deps, this.metrics),
      auth: this.auth,
      isThrottled: (r) => r.status === 403 && r.text.includes('REQUEST_LIMIT_EXCEEDED'),
    });
    this.mapping = mergeMapping(SALESFORCE_MAPPING, config.mapping);
    this.idempotency = new IdempotentApplier(config.id, deps.applyLedger);
    this.fetchImpl = deps.fetch ?? fetch;
    this.changeChannel = parseSettings(config, SALESFORCE_SETTINGS).changeEventChannel;
  }

  get id(): string {
    return this.config.id;
  }

  transitionsAt(entity: EntityKind): TransitionTime {
    return this.mapping[entity]?.transitionsAt ?? 'statusTime';
  }

  private mapper<E extends EntityKind>(entity: E): EntityMapper<E> {
    const mapping = this.mapping[entity];
    if (!mapping || !isSfEntity(entity))
      throw new ConnectorConfigError(`salesforce connector does not extract ${entity}`);
    return new EntityMapper(entity, this.id, mapping);
  }

  /** The SOQL fields a mapping reads: key, stamp and every `from` path. */
  private fields(entity: EntityKind, m: EntityMapping = this.mapping[entity]!): string[] {
    const paths = new Set<string>([m.key, m.updatedAt ?? 'LastModifiedDate']);
    for (const rule of Object.values(m.fields)) {
      if (rule.from) paths.add(rule.from);
      if (rule.countryFrom) paths.add(rule.countryFrom);
    }
    return [...paths];
  }

  private soql(entity: SfEntity, where: string[], mapping?: EntityMapping): string {
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    return `SELECT ${this.fields(entity, mapping).join(', ')} FROM ${SALESFORCE_OBJECT[entity]}${clause} ORDER BY Id`;
  }

  /**
   * A mapper of some canonical fields only (with the record's country when a phone among them is read
   * in it), cached per field set: corrective writes read what they change, not whole records.
   */
  private fieldMapper<E extends EntityKind>(entity: E, fields: readonly string[]): EntityMapper<E> {
    const full = this.mapping[entity];
    if (!full || !isSfEntity(entity)) throw new ConnectorConfigError(`salesforce connector does not extract ${entity}`);
    const id = `${entity}\u0000${[...new Set(fields)].sort().join('\u0000')}`;
    const cached = this.fieldMappers.get(id);
    if (cached) return cached as EntityMapper<E>;
    const wanted = new Set(fields);
    for (const field of fields) {
      const rule = full.fields[field];
      if (rule?.normalize === 'phone' && !rule.countryFrom && full.fields.country) wanted.add('country');
    }
    const mapping: EntityMapping = {
      ...full,
      fields: Object.fromEntries(Object.entries(full.fields).filter(([field]) => wanted.has(field))),
    };
    const mapper = new EntityMapper(entity, this.id, mapping);
    if (this.fieldMappers.size >= 100) this.fieldMappers.clear();
    this.fieldMappers.set(id, mapper);
    return mapper;
  }

  private async page(
    path: string,
    query: Record<string, string> | undefined,
    signal?: AbortSignal,
    onSent?: () => void,
  ): Promise<QueryPage> {
    const response = await this.http.request({
      method: 'GET',
      path,
      query,
      headers: { 'sforce-query-options': `batchSize=${this.config.pageSize}` },
      signal,
      onSent,
    });
    return response.body as QueryPage;
  }

  /**
   * Asks for the next page and resolves `sent` once the request is on its way (or has already
   * failed). Until then it is only queued: the rate limiter and fetch send it when the event loop is
   * free, which a page being mapped does not leave it, so the source would serve it only afterwards.
   */
  private pageAhead(path: string, signal?: AbortSignal): { page: Promise<QueryPage>; sent: Promise<void> } {
    let onSent = (): void => undefined;
    const sent = new Promise<void>((resolve) => (onSent = resolve));
    const page = this.page(path, undefined, signal, onSent);
    page.catch(() => undefined); // thrown when the page is due
    return {
      page,
      sent: Promise.race([
        sent,
        page.then(
          () => undefined,
          () => undefined,
        ),
      ]),
    };
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
      // The next page is requested, and sent, before this one is mapped, so the source serves it
      // meanwhile (one request in flight at a time; a failure surfaces when the next page is due).
      const following = state.next ? this.pageAhead(state.next, options.signal) : null;
      if (following) await following.sent;
      const mapped = mapPage(mapper, records, this.metrics);
      const cursor = state.next ? encodeCursor(this.id, entity, state) : null;
      yield { ...mapped, cursor, ...(total !== undefined ? { total } : {}) };
      if (!following) return;
      page = await following.page;
    }
  }

  /**
   * The records of these keys with the given canonical fields only (plus key and LastModifiedDate):
   * what a corrective write is planned from and verified against. SOQL selects just their source
   * fields, 200 Ids per query; every other field of the records returned holds its empty value.
   * Records the mapping rejects are left out, as `read` leaves them out.
   */
  async readFields<E extends EntityKind>(
    entity: E,
    keys: string[],
    fields: readonly string[],
  ): Promise<CanonicalRecord<E>[]> {
    const mapper = this.fieldMapper(entity, fields);
    const records: CanonicalRecord<E>[] = [];
    for (let i = 0; i < keys.length; i += COMPOSITE_LIMIT) {
      const where = [
        `Id IN (${
          keys
            .slice(i, i + COMPOSITE_LIMIT)
            .map(soqlString)
            .join(', ') || "''"
        })`,
      ];
      let page = await this.page(`${API}/query`, { q: this.soql(entity as SfEntity, where, mapper.mapping) });
      for (;;) {
        records.push(...mapPage(mapper, Array.isArray(page.records) ? page.records : [], this.metrics).records);
        if (page.done || !page.nextRecordsUrl) break;
        page = await this.page(page.nextRecordsUrl, undefined);
      }
    }
    return records;
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
    const account = isSfEntity(change.entity) && SALESFORCE_OBJECT[change.entity] === 'Account';
    return this.idempotency.apply(
      change,
      idempotencyKey,
      async () => (await writeConditionally([change], account ? this.accountWrites : this.compositeWrites))[0],
    );
  }

  /** One Account change: sObject Rows GET for values and ETag, PATCH with `If-Match`. */
  private async writeWithETag(change: RecordChange): Promise<WriteAttempt> {
    const entity = change.entity as SfEntity;
    const path = `${API}/sobjects/${SALESFORCE_OBJECT[entity]}/${encodeURIComponent(change.sourceKey)}`;
    const response = await this.http.request({ method: 'GET', path, accept: [400, 404] });
    const mapper = this.mapper(entity);
    const mapped = response.status === 200 ? mapper.map(response.body) : undefined;
    if (mapped && 'reject' in mapped)
      return { outcome: 'rejected', reason: `current record unreadable: ${mapped.reject.reason}` };
    const plan = planApply(mapper, change, mapped?.record);
    if (plan.kind === 'done') return plan.result;
    const etag = response.headers.get('etag');
    const readAt = mapped?.record.sourceUpdatedAt ?? null;
    const precondition: Record<string, string> = etag
      ? { 'if-match': etag }
      : readAt
        ? { 'if-unmodified-since': readAt.toUTCString() }
        : {};
    const written = await this.http.request({
      method: 'PATCH',
      path,
      json: plan.sourceValues,
      headers: precondition,
      // Conditional: a re-sent PATCH cannot overwrite a newer edit (412, then re-read below).
      idempotent: true,
      accept: [400, 404, 412],
    });
    if (written.status === 412) return preconditionFailed(PRECONDITION_FAILED);
    if (written.status >= 400) return { outcome: 'rejected', reason: errorText(written.body, written.status) };
    return { outcome: 'applied' };
  }

  /**
   * Corrective writes in bulk. Replays come from the idempotency ledger; the rest are read with one
   * SOQL query per 200 records, planned, and written through `/composite` with a precondition per
   * record; each change gets its own outcome. A key given twice in one call is applied once.
   */
  async applyMany(items: { change: RecordChange; idempotencyKey: string }[]): Promise<ApplyResult[]> {
    const results: ApplyResult[] = new Array<ApplyResult>(items.length);
    const pending: number[] = [];
    const firstOfKey = new Map<string, number>();
    const repeats: number[] = [];
    for (const [index, { change, idempotencyKey }] of items.entries()) {
      const replay = await this.idempotency.replayed(change, idempotencyKey);
      if (replay) results[index] = replay;
      else if (firstOfKey.has(idempotencyKey)) repeats.push(index);
      else {
        firstOfKey.set(idempotencyKey, index);
        pending.push(index);
      }
    }
    const written = await writeConditionally(
      pending.map((i) => items[i].change),
      this.compositeWrites,
    );
    for (const [n, index] of pending.entries()) {
      results[index] = written[n];
      await this.idempotency.remember(items[index].change, items[index].idempotencyKey, written[n]);
    }
    for (const index of repeats) {
      const { change, idempotencyKey } = items[index];
      const first = firstOfKey.get(idempotencyKey)!;
      if (changeFingerprint(items[first].change) !== changeFingerprint(change))
        results[index] = {
          outcome: 'rejected',
          reason: `idempotency key ${idempotencyKey} was already used for a different change`,
        };
      else
        results[index] = ['applied', 'already_applied'].includes(results[first].outcome)
          ? { outcome: 'already_applied', reason: `idempotency key ${idempotencyKey} given twice` }
          : results[first];
    }
    return results;
  }

  /** Current values of the fields the changes aim at, by entity and source key. */
  private async currentRecords(changes: RecordChange[]): Promise<Map<string, CanonicalRecord>> {
    const current = new Map<string, CanonicalRecord>();
    for (const entity of new Set(changes.map((c) => c.entity))) {
      if (!isSfEntity(entity)) continue;
      const aimed = changes.filter((c) => c.entity === entity);
      const keys = [...new Set(aimed.map((c) => c.sourceKey))];
      const fields = [...new Set(aimed.flatMap((c) => c.changes.map((f) => f.field)))];
      for (const record of await this.readFields(entity, keys, fields))
        current.set(`${entity}/${record.sourceKey}`, record);
    }
    return current;
  }

  /** The changes' records as they are now (their fields only), in order. */
  private async reread(changes: RecordChange[]): Promise<(CanonicalRecord | undefined)[]> {
    const current = await this.currentRecords(changes);
    return changes.map((change) => current.get(`${change.entity}/${change.sourceKey}`));
  }

  /** Read, plan and write changes with `If-Unmodified-Since` through `/composite`; no ledger here. */
  private async writeMany(changes: RecordChange[]): Promise<WriteAttempt[]> {
    const results: WriteAttempt[] = new Array<WriteAttempt>(changes.length);
    for (let start = 0; start < changes.length; start += COMPOSITE_LIMIT) {
      const chunk = changes.slice(start, start + COMPOSITE_LIMIT);
      const current = await this.currentRecords(chunk);
      // Several changes to one record (e.g. customer and credit profile fields) become one update.
      const writes = new Map<string, RecordWrite>();
      chunk.forEach((change, offset) => {
        const index = start + offset;
        if (!isSfEntity(change.entity)) {
          results[index] = { outcome: 'rejected', reason: `entity ${change.entity} is not in Salesforce` };
          return;
        }
        const record = current.get(`${change.entity}/${change.sourceKey}`);
        const plan = planApply(this.mapper(change.entity), change, record);
        if (plan.kind === 'done') {
          results[index] = plan.result;
          return;
        }
        const object = SALESFORCE_OBJECT[change.entity];
        const key = `${object}/${change.sourceKey}`;
        const write = writes.get(key) ?? {
          object,
          id: change.sourceKey,
          values: {},
          readAt: record?.sourceUpdatedAt ?? null,
          indexes: [],
        };
        Object.assign(write.values, plan.sourceValues);
        write.indexes.push(index);
        writes.set(key, write);
      });
      const batches: RecordWrite[][] = [];
      const all = [...writes.values()];
      for (let i = 0; i < all.length; i += SUBREQUEST_LIMIT) batches.push(all.slice(i, i + SUBREQUEST_LIMIT));
      await Promise.all(
        batches.map(async (batch) => {
          const answers = await this.composite(batch);
          batch.forEach((write, i) => {
            const answer = answers[i];
            const status = answer?.httpStatusCode ?? 0;
            for (const index of write.indexes) {
              if (status >= 200 && status < 300) results[index] = { outcome: 'applied' };
              else if (status === 412) results[index] = preconditionFailed(PRECONDITION_FAILED);
              else
                results[index] = {
                  outcome: 'rejected',
                  reason: answer ? errorText(answer.body, status) : 'no result for record',
                };
            }
          });
        }),
      );
    }
    return results;
  }

  /** One `/composite` call of PATCH subrequests, each conditional on its record's read time. */
  private async composite(batch: RecordWrite[]): Promise<SubrequestResult[]> {
    const response = await this.http.request({
      method: 'POST',
      path: `${API}/composite`,
      json: {
        allOrNone: false,
        compositeRequest: batch.map((w, i) => ({
          method: 'PATCH',
          url: `${API}/sobjects/${w.object}/${encodeURIComponent(w.id)}`,
          referenceId: `w${i}`,
          body: w.values,
          ...(w.readAt ? { httpHeaders: { 'If-Unmodified-Since': w.readAt.toUTCString() } } : {}),
        })),
      },
      // Every subrequest is conditional: sending the call again cannot clobber a newer edit.
      idempotent: true,
    });
    const answers = (response.body as { compositeResponse?: SubrequestResult[] } | undefined)?.compositeResponse ?? [];
    const byReference = new Map(answers.map((a) => [a.referenceId, a]));
    return batch.map((_, i) => byReference.get(`w${i}`)!);
  }

  /**
   * Change Data Capture over the Streaming API: `settings.changeEventChannel` (default every object's
   * changes, `/data/ChangeEvents`), resumed after `position`, a replay id (see SalesforceChangeStream).
   */
  subscribeChanges(position: string | null, handlers: ChangeStreamHandlers): Promise<ChangeStreamSubscription> {
    return SalesforceChangeStream.open(
      {
        endpoint: `${requireBaseUrl(this.config).replace(/\/+$/, '')}/cometd/${API_VERSION}`,
        channel: this.changeChannel,
        accessToken: () => this.auth.accessToken(this.fetchImpl),
        invalidateToken: () => this.auth.invalidate(),
        toChange: (data) => changeOfCdcEvent(data, this.mapping),
      },
      position,
      handlers,
    );
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
