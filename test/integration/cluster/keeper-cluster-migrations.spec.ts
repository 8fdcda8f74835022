/**
 * Cluster mode with a keeper (CLICKHOUSE_CLUSTER_DDL=on_cluster, CLICKHOUSE_REPLICATED=true) on two local
 * 18.16 servers and ZooKeeper: the schema a migration run leaves, and a run that resumes.
 */
import { ClickHouseMigrator } from '../../../backend/src/clickhouse/clickhouse-migrator';
import type { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { sql } from '../../../backend/src/clickhouse/sql';
import { migratedStores, startLocalCluster, type LocalCluster, type StoreEnv } from './support/local-cluster';

interface ColumnRow {
  table: string;
  name: string;
  default_kind: string;
}

describe('ClickHouse migrations ON CLUSTER with Replicated tables (two local 18.16 shards, ZooKeeper)', () => {
  let cluster: LocalCluster;
  let stores: StoreEnv;

  beforeAll(async () => {
    cluster = startLocalCluster('keeper');
    stores = await migratedStores(cluster);
  }, 120_000);

  afterAll(async () => {
    await stores?.cleanup();
    cluster?.stop();
  });

  const engines = async (node: ClickHouseService) =>
    new Map(
      (
        await node.query<{ name: string; engine: string }>(
          sql`SELECT name, engine FROM system.tables WHERE database = ${node.database}`,
          { tag: 'test.tables' },
        )
      ).map((t) => [t.name, t.engine]),
    );
  const columns = (node: ClickHouseService) =>
    node.query<ColumnRow>(
      sql`SELECT table, name, default_kind FROM system.columns WHERE database = ${node.database} ORDER BY table, name`,
      { tag: 'test.columns' },
    );

  it('creates Replicated tables on every shard and Distributed tables over them on every node', async () => {
    const { clickhouse } = stores;
    for (const shard of clickhouse.shards()) {
      const local = await engines(shard);
      expect(local.get('current_customer')).toBe('ReplicatedReplacingMergeTree');
      expect(local.get('snapshot_catalog')).toBe('ReplicatedReplacingMergeTree');
      expect(local.get('findings_daily')).toBe('ReplicatedSummingMergeTree');
      expect(local.get('schema_migrations')).toBe('ReplicatedMergeTree');
      expect(local.get('findings_daily_mv')).toBe('MaterializedView');
      expect([...local.values()].filter((e) => e.includes('MergeTree') && !e.startsWith('Replicated'))).toEqual([]);
    }
    for (const entry of clickhouse.entryNodes()) {
      expect(new Set((await engines(entry)).values())).toEqual(new Set(['Distributed']));
    }
  });

  it("gives each Distributed table its shard table's columns after ALTERs, materialized ones as ALIAS", async () => {
    // Migration 4 adds snapshot_catalog.distinct_keys: a keeper refuses ALTER ON CLUSTER of a Distributed
    // table on shards with internal_replication, so the migrator defines it again instead.
    const { clickhouse } = stores;
    const [shard] = clickhouse.shards();
    for (const entry of clickhouse.entryNodes()) {
      const entryColumns = await columns(entry);
      // The migration ledger and materialized views live on the shards only.
      const tables = new Set(entryColumns.map((c) => c.table));
      const shardColumns = (await columns(shard)).filter((c) => tables.has(c.table));
      expect(tables.size).toBeGreaterThanOrEqual(16);
      expect(entryColumns.map((c) => [c.table, c.name])).toEqual(shardColumns.map((c) => [c.table, c.name]));
      expect(entryColumns.filter((c) => c.default_kind === 'MATERIALIZED')).toEqual([]);
      expect(entryColumns).toContainEqual({
        table: 'snapshot_catalog',
        name: 'distinct_keys',
        default_kind: 'DEFAULT',
      });
      expect(entryColumns).toContainEqual({ table: 'snapshot_customer', name: 'key_hash', default_kind: 'ALIAS' });
    }
  });

  it('records every migration on both shards, and resumes a run that died after its DDL', async () => {
    const { clickhouse } = stores;
    const ledger = (shard: ClickHouseService) =>
      shard
        .query<{ version: number }>(sql`SELECT version FROM schema_migrations ORDER BY version`, { tag: 'test.ledger' })
        .then((rows) => rows.map((r) => Number(r.version)));
    const [first, second] = clickhouse.shards();
    expect((await ledger(first)).length).toBeGreaterThanOrEqual(5);
    expect(await ledger(second)).toEqual(await ledger(first));
    expect(await new ClickHouseMigrator(clickhouse).migrate()).toEqual([]);
    // Both ledgers lose migration 4 (its columns stay): the next run meets them and records it again.
    for (const shard of [first, second]) {
      await shard.command(sql`ALTER TABLE schema_migrations DELETE WHERE version = 4`, { tag: 'test.forget' });
    }
    for (let i = 0; i < 50 && (await ledger(second)).includes(4); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(await new ClickHouseMigrator(clickhouse).migrate()).toEqual([4]);
    expect(await ledger(second)).toEqual(await ledger(first));
    expect(await ledger(first)).toContain(4);
  });
});
