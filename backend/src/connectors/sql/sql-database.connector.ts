import { Pool, type PoolClient } from 'pg';
import { z } from 'zod';
import { IdempotentApplier } from '../apply-ledger';
import type { CanonicalRecord, EntityKind } from '../canonical-model';
import { ENTITY_KINDS } from '../canonical-model';
import type { ConnectorConfig } from '../config/connectors-config';
import { settingText } from '../config/connectors-config';
import type {
  ApplyResult,
  Connector,
  ConnectorCapabilities,
  ConnectorHealth,
  ExtractBatch,
  ExtractOptions,
  RecordChange,
} from '../connector';
import { ConnectorUnavailableError } from '../connector.errors';
import type { ConnectorDeps } from '../connector-factory';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { parseSettings } from '../connector-settings';
import { decodeCursor, encodeCursor, mapPage } from '../extract-support';
import { sleep, backoffDelayMs, DEFAULT_RETRY } from '../http/backoff';
import { planApply } from '../mapping/apply-plan';
import { EntityMapper, fieldRuleSchema, mergeMapping, type ConnectorMapping } from '../mapping/entity-mapping';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain column or table name');

const entitySchema = z
  .object({
    /** A SELECT the connector wraps as a subquery; written by the installation's admin, never by users. */
    query: z.string().min(1),
    key: identifier,
    /** Column holding the last-change time; incremental extracts read rows at or after `since`. */
    watermark: identifier.optional(),
    /** Table for corrective writes (UPDATE … WHERE key AND each column still holds what was read). */
    table: identifier.optional(),
    fields: z.record(z.string(), fieldRuleSchema),
  })
  .strict();

const settingsSchema = z
  .object({
    url: z.unknown().transform((v, ctx) => {
      const text = settingText(v);
      if (!text)
        ctx.addIssue({ code: 'custom', message: 'a Postgres URL (a ${env:NAME} reference when it holds a password)' });
      return text ?? '';
    }),
    entities: z.partialRecord(z.enum(ENTITY_KINDS), entitySchema),
  })
  .strict();

type EntitySettings = z.infer<typeof entitySchema>;
interface SqlCursor extends Record<string, unknown> {
  afterKey: unknown;
  since: string | null;
}

const CONNECTION_ERRORS = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
]);
function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    CONNECTION_ERRORS.has(e.code ?? '') ||
    /Connection terminated|connection ended|Client has encountered a connection error/i.test(e.message ?? '')
  );
}

/**
 * A SQL database (legacy systems, data warehouses): one configured query per entity, paged by key
 * (keyset, so a resumed extract neither skips nor repeats), incremental by a watermark column. Writes
 * are compare-and-set UPDATEs: a row edited since it was read is left alone and reported as a conflict.
 */
export class SqlDatabaseConnector implements Connector {
  readonly kind = 'sql';
  readonly capabilities: ConnectorCapabilities;
  private readonly pool: Pool;
  private readonly entities: Partial<Record<EntityKind, EntitySettings>>;
  private readonly mapping: ConnectorMapping;
  private readonly metrics: ConnectorMetrics;
  private readonly idempotency: IdempotentApplier;

  constructor(
    readonly config: ConnectorConfig,
    deps: ConnectorDeps = {},
  ) {
    const settings = parseSettings(config, settingsSchema);
    this.entities = settings.entities;
    const base: ConnectorMapping = {};
    for (const [entity, e] of Object.entries(settings.entities)) {
      base[entity as EntityKind] = { key: e.key, updatedAt: e.watermark, fields: e.fields };
    }
    this.mapping = mergeMapping(base, config.mapping);
    this.idempotency = new IdempotentApplier(config.id, deps.applyLedger);
    const kinds = Object.keys(settings.entities) as EntityKind[];
    this.capabilities = {
      entities: kinds,
      writableEntities: kinds.filter((k) => settings.entities[k]?.table),
      incremental: kinds.every((k) => settings.entities[k]?.watermark),
      changeEvents: false,
    };
    this.pool = new Pool({
      connectionString: settings.url,
      max: config.rateLimit?.maxConcurrent ?? 2,
      statement_timeout: config.timeoutMs,
      connectionTimeoutMillis: config.timeoutMs,
      application_name: `driftwatch-connector-${config.id}`,
    });
    // An idle connection killed by the server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.metrics = deps.metrics ?? connectorMetrics();
  }

  get id(): string {
    return this.config.id;
  }

  private settingsFor(entity: EntityKind): EntitySettings {
    const e = this.entities[entity];
    if (!e) throw new ConnectorUnavailableError(this.id, `entity ${entity} is not configured`);
    return e;
  }

  /** Reads are retried on a dropped connection with backoff; the pool opens a fresh one. */
  private async query(
    text: string,
    values: unknown[],
    attempts = DEFAULT_RETRY.maxAttempts,
  ): Promise<Record<string, unknown>[]> {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const result = await this.pool.query<Record<string, unknown>>(text, values);
        this.metrics.requests.inc({ connector: this.id, method: 'SELECT', status: 'ok' });
        return result.rows;
      } catch (error) {
        this.metrics.requests.inc({ connector: this.id, method: 'SELECT', status: 'error' });
        if (!isConnectionError(error)) throw error;
        this.metrics.errors.inc({ connector: this.id, kind: 'network' });
        if (attempt + 1 >= attempts)
          throw new ConnectorUnavailableError(this.id, (error as Error).message, { cause: error });
        await sleep(backoffDelayMs(attempt, { ...DEFAULT_RETRY, baseDelayMs: 50 }));
      } finally {
        this.metrics.latency.observe({ connector: this.id, method: 'SELECT' }, (performance.now() - started) / 1000);
      }
    }
  }

  async *extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>> {
    const e = this.settingsFor(entity);
    const mapper = new EntityMapper(entity, this.id, this.mapping[entity]!);
    const state: SqlCursor = options.cursor
      ? decodeCursor<SqlCursor>(this.id, entity, options.cursor)
      : { afterKey: null, since: options.mode === 'incremental' && options.since ? options.since.toISOString() : null };
    const key = quote(e.key);
    const filters: string[] = [];
    const values: unknown[] = [];
    if (state.since && e.watermark) {
      values.push(state.since);
      filters.push(`${quote(e.watermark)} >= $${values.length}`);
    }
    if (options.keys) {
      values.push(options.keys);
      filters.push(`${key}::text = ANY($${values.length}::text[])`);
    }
    const source = `(${e.query}) AS source`;
    const where = (extra: string[]) => (extra.length ? `WHERE ${extra.join(' AND ')}` : '');
    const total = options.cursor
      ? undefined
      : Number((await this.query(`SELECT count(*) AS n FROM ${source} ${where(filters)}`, values))[0].n);
    for (;;) {
      const pageFilters = [...filters];
      const pageValues = [...values];
      if (state.afterKey !== null) {
        pageValues.push(state.afterKey);
        pageFilters.push(`${key} > $${pageValues.length}`);
      }
      pageValues.push(this.config.pageSize);
      const rows = await this.query(
        `SELECT * FROM ${source} ${where(pageFilters)} ORDER BY ${key} LIMIT $${pageValues.length}`,
        pageValues,
      );
      if (rows.length) state.afterKey = toJsonValue(rows[rows.length - 1][e.key]);
      const done = rows.length < this.config.pageSize;
      const page = mapPage(mapper, rows, this.metrics);
      yield {
        ...page,
        cursor: done ? null : encodeCursor(this.id, entity, state),
        ...(total !== undefined ? { total } : {}),
      };
      if (done) return;
    }
  }

  async read<E extends EntityKind>(entity: E, keys: string[]): Promise<CanonicalRecord<E>[]> {
    const records: CanonicalRecord<E>[] = [];
    for await (const batch of this.extract(entity, { mode: 'full', keys })) records.push(...batch.records);
    return records;
  }

  apply(change: RecordChange, idempotencyKey: string): Promise<ApplyResult> {
    return this.idempotency.apply(change, idempotencyKey, () => this.applyConditionally(change));
  }

  private async applyConditionally(change: RecordChange): Promise<ApplyResult> {
    const e = this.entities[change.entity];
    if (!e?.table)
      return { outcome: 'rejected', reason: `entity ${change.entity} is not writable here (no table configured)` };
    const mapper = new EntityMapper(change.entity, this.id, this.mapping[change.entity]!);
    const [row] = await this.query(`SELECT * FROM (${e.query}) AS source WHERE ${quote(e.key)}::text = $1`, [
      change.sourceKey,
    ]);
    const mapped = row ? mapper.map(row) : undefined;
    if (mapped && 'reject' in mapped)
      return { outcome: 'rejected', reason: `current record unreadable: ${mapped.reject.reason}` };
    const plan = planApply(mapper, change, mapped?.record);
    if (plan.kind === 'done') return plan.result;
    const columns = Object.keys(plan.sourceValues);
    const bad = columns.find((c) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c));
    if (bad) return { outcome: 'rejected', reason: `source field ${bad} is not a column` };
    const values: unknown[] = [];
    const sets = columns.map((c) => {
      values.push(plan.sourceValues[c]);
      return `${quote(c)} = $${values.length}`;
    });
    values.push(change.sourceKey);
    const guards = [`${quote(e.key)}::text = $${values.length}`];
    for (const c of columns) {
      values.push(row[c]);
      guards.push(`${quote(c)} IS NOT DISTINCT FROM $${values.length}`);
    }
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const result = await client.query(
        `UPDATE ${quote(e.table)} SET ${sets.join(', ')} WHERE ${guards.join(' AND ')}`,
        values,
      );
      this.metrics.requests.inc({ connector: this.id, method: 'UPDATE', status: 'ok' });
      if (result.rowCount === 0) return { outcome: 'conflict', reason: 'the row changed between read and write' };
      return { outcome: 'applied' };
    } finally {
      client?.release();
    }
  }

  async health(): Promise<ConnectorHealth> {
    const started = performance.now();
    try {
      await this.pool.query('SELECT 1');
      return { up: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { up: false, latencyMs: Math.round(performance.now() - started), detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function toJsonValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}
