import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { ClickHouseService } from './clickhouse.service';
import {
  clusterStatements,
  redefineDistributed,
  type ClusterStatement,
  type ClusterTopology,
  type DescribedColumn,
} from './cluster-ddl';
import { columnAddition, type ColumnAddition } from './column-additions';
import { ident, raw, sql, uint } from './sql';

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
export const CLICKHOUSE_MIGRATIONS_DIR = joinPath(__dirname, 'migrations');

export interface ClickHouseMigration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Splits a migration file into statements: a statement ends with `;` at the end of a line. */
export function splitStatements(text: string): string[] {
  const withoutComments = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

export async function loadMigrations(dir: string): Promise<ClickHouseMigration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<number>();
  const migrations: ClickHouseMigration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) throw new MigrationError(`ClickHouse migration ${file} is not named NNNN_snake_name.sql`);
    const version = Number(match[1]);
    if (seen.has(version)) throw new MigrationError(`two ClickHouse migrations share version ${match[1]}`);
    seen.add(version);
    const text = await readFile(joinPath(dir, file), 'utf8');
    migrations.push({
      version,
      name: match[2],
      checksum: createHash('sha256').update(text).digest('hex'),
      statements: splitStatements(text),
    });
  }
  return migrations;
}

interface LedgerRow {
  version: number;
  name: string;
  checksum: string;
}

const LEDGER_COLUMNS = 'version UInt32, name String, checksum String, applied_at DateTime';

/**
 * Applies numbered ClickHouse migrations once each, recording them with a checksum.
 * Statements must be idempotent (`IF NOT EXISTS`), because ClickHouse has no transactional DDL:
 * a migration interrupted halfway is re-run from its start. ClickHouse 18.16 has no `ADD COLUMN IF NOT
 * EXISTS`, so an `ADD COLUMN` statement is skipped where its columns are already there.
 *
 * On a cluster every statement is transformed by `clusterStatements` (shard tables + Distributed
 * tables) and the ledger lives in each shard's own database: a migration counts as applied only when
 * every shard recorded it, so a shard that missed one (down during a deploy) gets it on the next boot.
 */
export class ClickHouseMigrator {
  private readonly logger = new Logger(ClickHouseMigrator.name);

  constructor(
    private readonly clickhouse: ClickHouseService,
    private readonly dir: string = CLICKHOUSE_MIGRATIONS_DIR,
  ) {}

  async migrate(): Promise<number[]> {
    const cluster = this.clickhouse.cluster;
    if (cluster) return this.migrateCluster(cluster);
    await this.clickhouse.ensureDatabase();
    await this.clickhouse.command(
      raw(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version UInt32, name String, checksum String, applied_at DateTime
      ) ENGINE = MergeTree ORDER BY version`),
      { tag: 'migrations.init' },
    );
    const applied = await this.clickhouse.query<{ version: number; name: string; checksum: string }>(
      raw('SELECT version, name, checksum FROM schema_migrations ORDER BY version'),
      { tag: 'migrations.applied' },
    );
    const appliedByVersion = new Map(applied.map((row) => [Number(row.version), row]));
    const migrations = await loadMigrations(this.dir);
    const ran: number[] = [];
    for (const migration of migrations) {
      const previous = appliedByVersion.get(migration.version);
      if (previous) {
        assertUnchanged(migration, previous);
        continue;
      }
      for (const [index, statement] of migration.statements.entries()) {
        await this.applyOn(this.clickhouse, statement, `migrations.${migration.version}.${index + 1}`);
      }
      await this.clickhouse.command(
        sql`INSERT INTO ${ident('schema_migrations')} (version, name, checksum, applied_at) VALUES (${migration.version}, ${migration.name}, ${migration.checksum}, now())`,
        { tag: 'migrations.record' },
      );
      this.logger.log(`applied ClickHouse migration ${migration.version} ${migration.name}`);
      ran.push(migration.version);
    }
    return ran;
  }

  private async migrateCluster(cluster: ClusterTopology): Promise<number[]> {
    await this.clickhouse.ensureDatabase();
    await this.verifyTopology(cluster);
    const shards = this.clickhouse.shards();
    await this.createLedger(cluster);
    const ledgers = await Promise.all(
      shards.map(async (shard) => {
        const rows = await shard.query<LedgerRow>(
          raw('SELECT version, name, checksum FROM schema_migrations ORDER BY version'),
          { tag: 'migrations.applied' },
        );
        return new Map(rows.map((row) => [Number(row.version), row]));
      }),
    );
    const migrations = await loadMigrations(this.dir);
    // Transform everything first: a statement cluster mode cannot apply stops boot before any DDL runs.
    const plans = migrations.map((migration) =>
      migration.statements.flatMap((statement) => clusterStatements(statement, cluster, this.clickhouse.database)),
    );
    const ran: number[] = [];
    for (const [index, migration] of migrations.entries()) {
      const missingOn: number[] = [];
      for (const [shard, ledger] of ledgers.entries()) {
        const previous = ledger.get(migration.version);
        if (previous) assertUnchanged(migration, previous);
        else missingOn.push(shard);
      }
      if (missingOn.length === 0) continue;
      for (const [step, statement] of plans[index].entries()) {
        await this.applyOnCluster(cluster, statement, `migrations.${migration.version}.${step + 1}`);
      }
      for (const shard of missingOn) {
        await shards[shard].command(
          sql`INSERT INTO ${ident('schema_migrations')} (version, name, checksum, applied_at) VALUES (${uint(migration.version)}, ${migration.name}, ${migration.checksum}, now())`,
          { tag: 'migrations.record' },
        );
      }
      this.logger.log(
        `applied ClickHouse migration ${migration.version} ${migration.name} on cluster ${cluster.cluster}`,
      );
      ran.push(migration.version);
    }
    return ran;
  }

  private async applyOnCluster(cluster: ClusterTopology, statement: ClusterStatement, tag: string): Promise<void> {
    if (statement.placement === 'once') {
      await this.clickhouse.command(raw(statement.sql), { tag });
      return;
    }
    if (statement.placement === 'redefine') return this.redefine(cluster, statement, tag);
    const nodes = statement.placement === 'shard' ? this.clickhouse.shards() : this.clickhouse.entryNodes();
    if (cluster.ddl === 'per_shard') {
      for (const node of nodes) await this.applyOn(node, statement.sql, tag);
      return;
    }
    // One ON CLUSTER statement reaches every node: it can only be skipped where all have its columns.
    const addition = columnAddition(statement.sql);
    if (addition) {
      const missing = await Promise.all(nodes.map((node) => missingColumns(node, addition)));
      const complete = missing.filter((columns) => columns.length === 0).length;
      if (complete === nodes.length) return this.skipped(addition, tag);
      if (complete > 0 || missing.some((columns) => columns.length < addition.columns.length)) {
        throw new MigrationError(
          `${tag}: ${addition.table} has the columns ${addition.columns.join(', ')} on some nodes only ` +
            `(an interrupted migration); add the missing ones by hand, then restart`,
        );
      }
    }
    await this.clickhouse.command(raw(statement.sql), { tag });
  }

  /**
   * Defines a Distributed table again over its shard table's columns (after the shard ALTER), unless
   * every node already has the columns the ALTER adds (an earlier attempt got that far).
   */
  private async redefine(cluster: ClusterTopology, statement: ClusterStatement, tag: string): Promise<void> {
    const table = statement.table ?? '';
    const addition = columnAddition(statement.sql);
    if (addition) {
      const missing = await Promise.all(this.clickhouse.entryNodes().map((node) => missingColumns(node, addition)));
      if (missing.every((columns) => columns.length === 0)) return this.skipped(addition, tag);
    }
    const [shard] = this.clickhouse.shards();
    const columns = await shard.query<DescribedColumn>(raw(`DESCRIBE TABLE ${shard.database}.${table}`), {
      tag: `${tag}.describe`,
    });
    for (const ddl of redefineDistributed(table, columns, cluster, this.clickhouse.database)) {
      await this.clickhouse.command(raw(ddl), { tag });
    }
  }

  /** Runs a statement on one node, but not an `ADD COLUMN` whose columns an earlier attempt added there. */
  private async applyOn(node: ClickHouseService, statement: string, tag: string): Promise<void> {
    const addition = columnAddition(statement);
    if (addition) {
      const missing = await missingColumns(node, addition);
      if (missing.length === 0) return this.skipped(addition, tag);
      if (missing.length < addition.columns.length) {
        throw new MigrationError(
          `${tag}: ${addition.table} at ${node.url} already has ${addition.columns.filter((c) => !missing.includes(c)).join(', ')} ` +
            `but not ${missing.join(', ')} (an interrupted migration); add the missing ones by hand, then restart`,
        );
      }
    }
    await node.command(raw(statement), { tag });
  }

  private skipped({ table, columns }: ColumnAddition, tag: string): void {
    this.logger.warn(
      `${tag}: ${table} already has ${columns.join(', ')} ` +
        '(added by an earlier, interrupted attempt of this migration): not added again',
    );
  }

  /** The ledger: a plain table per shard (replicated among a shard's replicas), never Distributed. */
  private async createLedger(cluster: ClusterTopology): Promise<void> {
    if (cluster.ddl === 'per_shard') {
      for (const shard of this.clickhouse.shards()) {
        await shard.command(
          raw(`CREATE TABLE IF NOT EXISTS schema_migrations (${LEDGER_COLUMNS}) ENGINE = MergeTree ORDER BY version`),
          { tag: 'migrations.init' },
        );
      }
      return;
    }
    const [ledger] = clusterStatements(
      `CREATE TABLE IF NOT EXISTS schema_migrations (${LEDGER_COLUMNS}) ENGINE = MergeTree ORDER BY version`,
      cluster,
      this.clickhouse.database,
    );
    await this.clickhouse.command(raw(ledger.sql), { tag: 'migrations.init' });
  }

  /** The configured shard URLs must be the cluster's shards, in its order: a wrong URL would split data silently. */
  private async verifyTopology(cluster: ClusterTopology): Promise<void> {
    const known = await this.clickhouse.query<{ shards: string }>(
      sql`SELECT uniqExact(shard_num) AS shards FROM system.clusters WHERE cluster = ${cluster.cluster}`,
      { tag: 'migrations.cluster' },
    );
    const shards = Number(known[0]?.shards ?? 0);
    if (shards !== cluster.shardUrls.length) {
      throw new MigrationError(
        shards === 0
          ? `ClickHouse at ${this.clickhouse.url} has no cluster ${cluster.cluster} in its remote_servers (CLICKHOUSE_CLUSTER)`
          : `cluster ${cluster.cluster} has ${shards} shards but CLICKHOUSE_SHARD_URLS lists ${cluster.shardUrls.length}`,
      );
    }
    for (const [index, shard] of this.clickhouse.shards().entries()) {
      const rows = await shard.query<{ shard_num: number }>(
        sql`SELECT DISTINCT shard_num FROM system.clusters WHERE cluster = ${cluster.cluster} AND is_local = 1`,
        { tag: 'migrations.cluster.shard' },
      );
      const seen = rows.map((r) => Number(r.shard_num));
      if (seen.length !== 1 || seen[0] !== index + 1) {
        throw new MigrationError(
          `CLICKHOUSE_SHARD_URLS entry ${index + 1} (${shard.url}) is ${seen.length ? `shard ${seen.join(', ')}` : 'no shard'} ` +
            `of cluster ${cluster.cluster}; list one URL per shard in the cluster's shard order`,
        );
      }
    }
  }
}

function assertUnchanged(migration: ClickHouseMigration, previous: LedgerRow): void {
  if (previous.checksum !== migration.checksum) {
    throw new MigrationError(
      `ClickHouse migration ${String(migration.version).padStart(4, '0')}_${migration.name} was changed after it ` +
        'was applied; migrations are immutable: add a new one instead',
    );
  }
}

/** Of the columns a statement adds, those its table (in the statement's database, or the node's own) does not have. */
async function missingColumns(
  node: ClickHouseService,
  { database, table, columns }: ColumnAddition,
): Promise<string[]> {
  const rows = await node.query<{ name: string }>(
    database
      ? sql`SELECT name FROM system.columns WHERE database = ${database} AND table = ${table}`
      : sql`SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ${table}`,
    { tag: 'migrations.columns' },
  );
  const present = new Set(rows.map((row) => row.name));
  return columns.filter((column) => !present.has(column));
}
