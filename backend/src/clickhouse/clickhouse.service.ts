import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ConfigService } from '../config/config.service';
import { ClickHouseQueryError, ClickHouseUnavailableError } from './clickhouse.errors';
import { shardDatabase, type ClusterTopology } from './cluster-ddl';
import { ident, sql, SqlFragment } from './sql';

export interface ClickHouseConnectionOptions {
  url: string;
  username: string;
  password: string;
  database: string;
  /** Cluster mode (docs/clickhouse-cluster.md): the database holds Distributed tables over shard tables. */
  cluster?: ClusterTopology;
  /** A GROUP BY's state beyond this many bytes spills to disk (max_bytes_before_external_group_by); 0: never. */
  externalGroupByBytes?: number;
}

export interface QueryOptions {
  /** Short stable name of the query, e.g. `findings.list`; it prefixes the query_id in system.query_log. */
  tag: string;
  settings?: ClickHouseSettings;
  signal?: AbortSignal;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE']);
const isConnectionError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && CONNECTION_ERRORS.has(String(error.code));

type InsertValues<T> = readonly T[] | Readable;

/**
 * The one wrapper through which every ClickHouse call goes. It only accepts `SqlFragment`s
 * (built by the quoting module), tags every query, and throws typed errors: it never swallows
 * a failure and never returns an empty result in place of one.
 */
@Injectable()
export class ClickHouseService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ClickHouseService.name);
  private readonly client: ClickHouseClient;
  private version: { text: string; major: number; minor: number } | undefined;
  private shardServices: ClickHouseService[] | undefined;
  private entryServices: ClickHouseService[] | undefined;
  readonly database: string;
  readonly url: string;
  readonly cluster: ClusterTopology | undefined;

  constructor(private readonly options: ClickHouseConnectionOptions) {
    this.url = options.url;
    this.database = options.database;
    this.cluster = options.cluster;
    this.client = ClickHouseService.createClient(options, options.database);
  }

  static fromConfig(config: ConfigService): ClickHouseService {
    const cluster = config.get('CLICKHOUSE_CLUSTER');
    return new ClickHouseService({
      url: config.get('CLICKHOUSE_URL'),
      username: config.get('CLICKHOUSE_USER'),
      password: config.get('CLICKHOUSE_PASSWORD'),
      database: config.get('CLICKHOUSE_DATABASE'),
      externalGroupByBytes: config.get('CLICKHOUSE_EXTERNAL_GROUP_BY_BYTES'),
      cluster: cluster
        ? {
            cluster,
            shardUrls: config.get('CLICKHOUSE_SHARD_URLS'),
            ddl: config.get('CLICKHOUSE_CLUSTER_DDL'),
            replicated: config.get('CLICKHOUSE_REPLICATED'),
            replicationPath: config.get('CLICKHOUSE_REPLICATION_PATH'),
          }
        : undefined,
    });
  }

  static createClient(options: ClickHouseConnectionOptions, database: string | undefined): ClickHouseClient {
    // On a cluster: inserts through Distributed tables reach the shards before they return (findings
    // written by one query are read by the next), and an IN/JOIN subquery over a Distributed table
    // inside a query over another one runs once as GLOBAL instead of being refused.
    const clusterSettings: ClickHouseSettings = options.cluster
      ? { insert_distributed_sync: 1, distributed_product_mode: 'global' }
      : {};
    // A rule's pairs are grouped by match key: when most records of a big pair of systems differ, that
    // state outgrows the server's per-query memory limit (10 GB by default); spilled, the run completes.
    const spillSettings: ClickHouseSettings = options.externalGroupByBytes
      ? { max_bytes_before_external_group_by: String(options.externalGroupByBytes) }
      : {};
    return createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      database,
      application: 'driftwatch',
      compression: { request: false, response: true },
      // The server closes idle sockets after 3 s; reusing one it is closing crashed Node with EPIPE. On a
      // loaded machine the idle timers fire late and a stale socket was still reused ("socket hang up",
      // once in a clean-clone CI run): each request first drops sockets idle past the TTL by timestamp.
      keep_alive: { enabled: true, idle_socket_ttl: 1000, eagerly_destroy_stale_sockets: true },
      request_timeout: 300_000,
      // Progress headers keep long reconciliation queries' sockets from looking idle to proxies.
      clickhouse_settings: {
        date_time_input_format: 'best_effort',
        send_progress_in_http_headers: 1,
        http_headers_progress_interval_ms: '10000',
        ...spillSettings,
        ...clusterSettings,
      },
    });
  }

  async onModuleInit(): Promise<void> {
    await this.detectVersion();
  }

  async onModuleDestroy(): Promise<void> {
    const nodes = [...(this.shardServices ?? []), ...(this.entryServices ?? [])];
    this.shardServices = undefined;
    this.entryServices = undefined;
    await Promise.all([this.client.close(), ...nodes.map((node) => node.onModuleDestroy())]);
  }

  /**
   * Cluster mode: one plain wrapper per shard on its shard database (`<database>_local`), where the
   * tables hold that shard's rows under their usual names. A query sent to every shard this way runs
   * shard-locally, verbatim.
   */
  shards(): ClickHouseService[] {
    const cluster = this.requireCluster();
    this.shardServices ??= cluster.shardUrls.map(
      (url) =>
        new ClickHouseService({ ...this.options, url, database: shardDatabase(this.database), cluster: undefined }),
    );
    return this.shardServices;
  }

  /** Cluster mode: one plain wrapper per shard node on the application database (its Distributed tables). */
  entryNodes(): ClickHouseService[] {
    const cluster = this.requireCluster();
    this.entryServices ??= cluster.shardUrls.map(
      (url) => new ClickHouseService({ ...this.options, url, database: this.database, cluster: undefined }),
    );
    return this.entryServices;
  }

  /**
   * Runs one statement on every shard's own rows (mutations, OPTIMIZE, shard-local INSERT … SELECT);
   * on a single server it runs once on the database. Shards run in parallel; any failure throws.
   */
  async commandOnShards(query: SqlFragment, options: QueryOptions): Promise<void> {
    if (!this.cluster) return this.command(query, options);
    const outcomes = await Promise.allSettled(this.shards().map((shard) => shard.command(query, options)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * The rows one query returns on every shard's own tables (e.g. `system.parts` of the shard database),
   * concatenated; on a single server it runs once on the database.
   */
  async queryOnShards<T>(query: SqlFragment, options: QueryOptions): Promise<T[]> {
    if (!this.cluster) return this.query<T>(query, options);
    const rows = await Promise.all(this.shards().map((shard) => shard.query<T>(query, options)));
    return rows.flat();
  }

  private requireCluster(): ClusterTopology {
    if (!this.cluster) throw new Error('ClickHouse is not in cluster mode (CLICKHOUSE_CLUSTER is empty)');
    return this.cluster;
  }

  /** Server version, detected once; the place to branch SQL for modern servers. */
  async detectVersion(): Promise<{ text: string; major: number; minor: number }> {
    if (this.version) return this.version;
    let text: string;
    try {
      const rs = await this.client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
      const rows = await rs.json<{ v: string }>();
      text = rows[0]?.v ?? '0.0';
    } catch (error) {
      throw isConnectionError(error)
        ? new ClickHouseUnavailableError(this.url, error)
        : ClickHouseQueryError.from('version', '', error, 'SELECT version()');
    }
    const [major = 0, minor = 0] = text.split('.').map((part) => Number.parseInt(part, 10));
    this.version = { text, major, minor };
    this.logger.log(`ClickHouse ${text} at ${this.url}, database ${this.database}`);
    return this.version;
  }

  /**
   * Creates the configured database (and on a cluster the shard database, on every node); the only
   * calls made without a database selected.
   */
  async ensureDatabase(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster) return this.createDatabaseAt(this.url, sql`CREATE DATABASE IF NOT EXISTS ${ident(this.database)}`);
    const names = [this.database, shardDatabase(this.database)];
    if (cluster.ddl === 'on_cluster') {
      for (const name of names) {
        await this.createDatabaseAt(
          this.url,
          sql`CREATE DATABASE IF NOT EXISTS ${ident(name)} ON CLUSTER ${ident(cluster.cluster)}`,
        );
      }
      return;
    }
    for (const url of cluster.shardUrls) {
      for (const name of names) await this.createDatabaseAt(url, sql`CREATE DATABASE IF NOT EXISTS ${ident(name)}`);
    }
  }

  private async createDatabaseAt(url: string, statement: SqlFragment): Promise<void> {
    const bootstrap = ClickHouseService.createClient({ ...this.options, url }, undefined);
    try {
      await bootstrap.command({ query: statement.text, query_id: this.queryId('migrations.database') });
    } catch (error) {
      if (isConnectionError(error)) throw new ClickHouseUnavailableError(url, error);
      throw ClickHouseQueryError.from('migrations.database', '', error, statement.text);
    } finally {
      await bootstrap.close();
    }
  }

  async ping(): Promise<boolean> {
    const result = await this.client.ping();
    return result.success;
  }

  async query<T>(query: SqlFragment, options: QueryOptions): Promise<T[]> {
    const queryId = this.queryId(options.tag);
    try {
      const rs = await this.client.query({
        query: query.text,
        format: 'JSONEachRow',
        query_id: queryId,
        clickhouse_settings: options.settings,
        abort_signal: options.signal,
      });
      return await rs.json<T>();
    } catch (error) {
      throw ClickHouseQueryError.from(options.tag, queryId, error, query.text);
    }
  }

  /** Streams rows one by one so large results never sit in memory whole. */
  async *stream<T>(query: SqlFragment, options: QueryOptions): AsyncGenerator<T> {
    const queryId = this.queryId(options.tag);
    let readable: AsyncIterable<Array<{ json<R>(): R }>>;
    try {
      const rs = await this.client.query({
        query: query.text,
        format: 'JSONEachRow',
        query_id: queryId,
        clickhouse_settings: options.settings,
        abort_signal: options.signal,
      });
      readable = rs.stream();
    } catch (error) {
      throw ClickHouseQueryError.from(options.tag, queryId, error, query.text);
    }
    try {
      for await (const rows of readable) {
        for (const row of rows) yield row.json<T>();
      }
    } catch (error) {
      throw ClickHouseQueryError.from(options.tag, queryId, error, query.text);
    }
  }

  async command(query: SqlFragment, options: QueryOptions): Promise<void> {
    const queryId = this.queryId(options.tag);
    try {
      await this.client.command({
        query: query.text,
        query_id: queryId,
        clickhouse_settings: options.settings,
        abort_signal: options.signal,
      });
    } catch (error) {
      throw ClickHouseQueryError.from(options.tag, queryId, error, query.text);
    }
  }

  /** Inserts JSONEachRow rows (an array or an object-mode stream) into a validated table name. */
  async insert<T>(table: SqlFragment, values: InsertValues<T>, options: QueryOptions): Promise<void> {
    const queryId = this.queryId(options.tag);
    try {
      await this.client.insert({
        table: table.text,
        values,
        format: 'JSONEachRow',
        query_id: queryId,
        clickhouse_settings: options.settings,
        abort_signal: options.signal,
      });
    } catch (error) {
      throw ClickHouseQueryError.from(options.tag, queryId, error, `INSERT INTO ${table.text}`);
    }
  }

  /**
   * Inserts a byte stream already encoded as RowBinary (the same on 18.16 and modern servers) into a
   * validated `table (columns)`; the column list says what the bytes hold, in order.
   */
  async insertRowBinary(table: SqlFragment, body: Readable, options: QueryOptions): Promise<void> {
    const queryId = this.queryId(options.tag);
    try {
      const result = await this.client.exec({
        query: `INSERT INTO ${table.text} FORMAT RowBinary`,
        values: body,
        query_id: queryId,
        clickhouse_settings: options.settings,
        abort_signal: options.signal,
      });
      // An insert answers with an empty body; an exception raised after the headers went out lands here.
      let answer = '';
      for await (const chunk of result.stream) answer += String(chunk);
      if (answer.includes('DB::Exception')) throw new Error(answer.trim().slice(0, 1000));
    } catch (error) {
      throw ClickHouseQueryError.from(options.tag, queryId, error, `INSERT INTO ${table.text} FORMAT RowBinary`);
    }
  }

  private queryId(tag: string): string {
    return `${tag}:${randomUUID()}`;
  }
}
