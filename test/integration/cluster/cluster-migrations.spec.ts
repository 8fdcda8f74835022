import { ClickHouseMigrator, MigrationError } from '../../../backend/src/clickhouse/clickhouse-migrator';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { raw, sql } from '../../../backend/src/clickhouse/sql';
import { SnapshotStoreRepository } from '../../../backend/src/modules/snapshots/snapshot-store.repository';
import { migratedStores, startLocalCluster, type LocalCluster, type StoreEnv } from './support/local-cluster';

interface TableRow {
  name: string;
  engine: string;
}

describe('ClickHouse migrations in cluster mode (two local 18.16 shards)', () => {
  let cluster: LocalCluster;
  let stores: StoreEnv;

  beforeAll(async () => {
    cluster = startLocalCluster();
    stores = await migratedStores(cluster);
  });

  afterAll(async () => {
    await stores?.cleanup();
    cluster?.stop();
  });

  const tables = (node: ClickHouseService) =>
    node.query<TableRow>(sql`SELECT name, engine FROM system.tables WHERE database = ${node.database} ORDER BY name`, {
      tag: 'test.tables',
    });

  it('creates MergeTree tables in every shard database and Distributed tables over them on every node', async () => {
    const { clickhouse } = stores;
    for (const shard of clickhouse.shards()) {
      const local = new Map((await tables(shard)).map((t) => [t.name, t.engine]));
      expect(local.get('current_customer')).toBe('ReplacingMergeTree');
      expect(local.get('snapshot_customer')).toBe('MergeTree');
      expect(local.get('findings_daily')).toBe('SummingMergeTree');
      expect(local.get('findings_daily_mv')).toBe('MaterializedView');
      expect(local.get('schema_migrations')).toBe('MergeTree');
    }
    for (const entry of clickhouse.entryNodes()) {
      const distributed = await tables(entry);
      expect(distributed.length).toBeGreaterThanOrEqual(16);
      expect(distributed.filter((t) => t.engine !== 'Distributed')).toEqual([]);
    }
  });

  it('records every migration in every shard ledger and applies nothing twice', async () => {
    const { clickhouse } = stores;
    const ledgers = await Promise.all(
      clickhouse.shards().map((s) =>
        s.query<{ version: number }>(raw('SELECT version FROM schema_migrations ORDER BY version'), {
          tag: 'test.ledger',
        }),
      ),
    );
    expect(ledgers[0].length).toBeGreaterThanOrEqual(2);
    expect(ledgers[1]).toEqual(ledgers[0]);
    expect(await new ClickHouseMigrator(clickhouse).migrate()).toEqual([]);
  });

  const recorded = async (shard: ClickHouseService, version: number) => {
    const rows = await shard.query<{ n: string }>(
      sql`SELECT count() AS n FROM schema_migrations WHERE version = ${version}`,
      { tag: 'test.recorded' },
    );
    return Number(rows[0].n);
  };

  /** The shard loses its ledger entry of `version` (as if it died between the DDL and the ledger). */
  const forget = async (shard: ClickHouseService, version: number) => {
    await shard.command(sql`ALTER TABLE schema_migrations DELETE WHERE version = ${version}`, { tag: 'test.forget' });
    for (let i = 0; i < 50 && (await recorded(shard, version)) > 0; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('re-applies a migration to a shard whose ledger lacks it, and only records it there', async () => {
    const { clickhouse } = stores;
    const [first, second] = clickhouse.shards();
    await second.command(raw('DROP TABLE findings_daily_mv'), { tag: 'test.forget' });
    await forget(second, 2);
    expect(await new ClickHouseMigrator(clickhouse).migrate()).toEqual([2]);
    expect(await recorded(first, 2)).toBe(1);
    expect(await recorded(second, 2)).toBe(1);
    expect((await tables(second)).map((t) => t.name)).toContain('findings_daily_mv');
  });

  it('re-applies a migration of ADD COLUMN statements to a shard whose ledger lacks it', async () => {
    const { clickhouse } = stores;
    const [first, second] = clickhouse.shards();
    // Migration 5 adds shared_hash on every shard: the migrator meets columns already there on both.
    await forget(second, 5);
    expect(await new ClickHouseMigrator(clickhouse).migrate()).toEqual([5]);
    expect(await recorded(first, 5)).toBe(1);
    expect(await recorded(second, 5)).toBe(1);
  });

  it('refuses shard URLs that are not the cluster shards in order', async () => {
    const swapped = new ClickHouseService({
      url: cluster.shardUrls[0],
      username: 'default',
      password: '',
      database: stores.clickhouse.database,
      cluster: {
        cluster: cluster.env.CLICKHOUSE_CLUSTER,
        shardUrls: [...cluster.shardUrls].reverse(),
        ddl: 'per_shard',
        replicated: false,
        replicationPath: '/clickhouse/tables/{shard}/{database}/{table}',
      },
    });
    try {
      await expect(new ClickHouseMigrator(swapped).migrate()).rejects.toThrow(MigrationError);
      await expect(new ClickHouseMigrator(swapped).migrate()).rejects.toThrow(/entry 1 .* is shard 2/);
    } finally {
      await swapped.onModuleDestroy();
    }
  });
  it('purges a failed snapshot on every shard (a Distributed table refuses mutations)', async () => {
    const { clickhouse } = stores;
    const snapshotId = 'purge-me';
    for (let i = 0; i < 20; i += 1) {
      await clickhouse.command(
        sql`INSERT INTO rejected_records (system, entity, entity_key, snapshot_id, reason, raw_excerpt, rejected_at)
            VALUES ('crm', 'customer', ${`K${i}`}, ${snapshotId}, 'bad', '{}', now())`,
        { tag: 'test.reject' },
      );
    }
    const left = async () =>
      Number(
        (
          await clickhouse.query<{ n: string }>(
            sql`SELECT count() AS n FROM rejected_records WHERE snapshot_id = ${snapshotId}`,
            { tag: 'test.left' },
          )
        )[0].n,
      );
    expect(await left()).toBe(20);
    await new SnapshotStoreRepository(clickhouse).purge('customer', snapshotId);
    // Mutations are asynchronous on 18.16 (no mutations_sync): wait for them to finish.
    const deadline = Date.now() + 30_000;
    while ((await left()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await left()).toBe(0);
  });
});
