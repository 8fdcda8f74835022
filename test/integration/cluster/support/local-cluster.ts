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

const SCRIPT = join(__dirname, '../../../../infra/local/clickhouse-cluster.sh');

export interface LocalCluster {
  env: { CLICKHOUSE_CLUSTER: string; CLICKHOUSE_SHARD_URLS: string };
  shardUrls: string[];
  /** Stops the second server if this process started it. */
  stop(): void;
}

/**
 * The local 2-shard cluster `driftwatch` (infra/local/clickhouse-cluster.sh): the suite's ClickHouse
 * plus a second server. Whoever started the second server stops it.
 */
export function startLocalCluster(): LocalCluster {
  const outcome = execFileSync('bash', [SCRIPT, 'up'], {
    encoding: 'utf8',
    env: { ...process.env, CLICKHOUSE_URL: clickhouseUrl() },
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const envText = execFileSync('bash', [SCRIPT, 'env'], { encoding: 'utf8' });
  const read = (name: string) => new RegExp(`^export ${name}=(.*)$`, 'm').exec(envText)?.[1] ?? '';
  const env = { CLICKHOUSE_CLUSTER: read('CLICKHOUSE_CLUSTER'), CLICKHOUSE_SHARD_URLS: read('CLICKHOUSE_SHARD_URLS') };
  return {
    env,
    shardUrls: env.CLICKHOUSE_SHARD_URLS.split(','),
    stop() {
      if (outcome.endsWith('started')) execFileSync('bash', [SCRIPT, 'down'], { stdio: 'inherit' });
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
