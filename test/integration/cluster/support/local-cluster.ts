import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ClickHouseService } from '../../../../backend/src/clickhouse/clickhouse.service';
import { shardDatabase } from '../../../../backend/src/clickhouse/cluster-ddl';
import { ident, sql } from '../../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../../backend/src/config/config.service';
import { runSchemaMigrations } from '../../../../backend/src/database/schema-migrations';
import {
  clickhouseUrl,
  isolatedPostgres,
  ownRedisUrl,
  testDatabaseName,
  uniqueName,
} from '../../support/test-services';

const SCRIPTS = {
  plain: join(__dirname, '../../../../infra/local/clickhouse-cluster.sh'),
  keeper: join(__dirname, '../../../../infra/local/clickhouse-keeper-cluster.sh'),
};

export interface LocalCluster {
  /** The cluster's settings (CLICKHOUSE_CLUSTER, CLICKHOUSE_SHARD_URLS and, for the keeper one, the rest). */
  env: { CLICKHOUSE_CLUSTER: string; CLICKHOUSE_SHARD_URLS: string } & Record<string, string>;
  shardUrls: string[];
  /** Stops the servers this process started. */
  stop(): void;
}

/**
 * A local 2-shard cluster `driftwatch`. `plain` (infra/local/clickhouse-cluster.sh): the suite's
 * ClickHouse plus a second server, DDL per shard. `keeper` (clickhouse-keeper-cluster.sh): two servers
 * of their own and ZooKeeper, for ON CLUSTER DDL and Replicated tables. Whoever started servers stops them.
 */
export function startLocalCluster(kind: keyof typeof SCRIPTS = 'plain'): LocalCluster {
  const script = SCRIPTS[kind];
  const outcome = execFileSync('bash', [script, 'up'], {
    encoding: 'utf8',
    env: { ...process.env, CLICKHOUSE_URL: clickhouseUrl() },
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const envText = execFileSync('bash', [script, 'env'], { encoding: 'utf8' });
  const env = Object.fromEntries(
    [...envText.matchAll(/^export ([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
  ) as LocalCluster['env'];
  return {
    env,
    shardUrls: env.CLICKHOUSE_SHARD_URLS.split(','),
    stop() {
      if (outcome.endsWith('started')) execFileSync('bash', [script, 'down'], { stdio: 'inherit' });
    },
  };
}

export interface StoreEnv {
  env: Record<string, string>;
  config: ConfigService;
  clickhouse: ClickHouseService;
  cleanup(): Promise<void>;
}

/**
 * Migrated Postgres and ClickHouse databases of their own, on one server or (with `cluster`) on the
 * local cluster; cleanup drops the ClickHouse databases on every node.
 */
export async function migratedStores(cluster?: LocalCluster): Promise<StoreEnv> {
  const postgres = await isolatedPostgres();
  const database = testDatabaseName();
  const env: Record<string, string> = {
    DATABASE_URL: postgres.url,
    CLICKHOUSE_URL: clickhouseUrl(),
    CLICKHOUSE_DATABASE: database,
    REDIS_URL: ownRedisUrl(),
    QUEUE_PREFIX: uniqueName('dwq'),
    LOG_LEVEL: 'silent',
    ...(cluster?.env ?? {}),
  };
  const config = new ConfigService({ ...process.env, ...env });
  await runSchemaMigrations(config);
  const clickhouse = ClickHouseService.fromConfig(config);
  return {
    env,
    config,
    clickhouse,
    async cleanup() {
      // Each node is reached through the application database, so that one is dropped last.
      const nodes = cluster ? clickhouse.entryNodes() : [clickhouse];
      for (const node of nodes) {
        for (const name of cluster ? [shardDatabase(database), database] : [database]) {
          await node.command(sql`DROP DATABASE IF EXISTS ${ident(name)}`, { tag: 'test.drop' });
        }
      }
      await clickhouse.onModuleDestroy();
      await postgres.drop();
    },
  };
}
