import { randomBytes, randomInt } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { dataSourceOptions } from '../../../backend/src/database/data-source';

export const clickhouseUrl = (): string => process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
export const databaseUrl = (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:15432/driftwatch';
export const redisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
/** A Redis database of its own (1-15), so no other test process's worker takes this test's jobs. */
export function ownRedisUrl(): string {
  const redis = new URL(redisUrl());
  redis.pathname = `/${randomInt(1, 16)}`;
  return redis.toString();
}

export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;

/** Set by global setup: the folder where this jest run notes the databases its tests create. */
export const TEST_DATABASES_DIR_VARIABLE = 'DRIFTWATCH_TEST_DATABASES_DIR';

/**
 * A name for a database of a test's own (Postgres or ClickHouse), noted for this jest run so that its
 * global teardown can drop what a test that died before its own cleanup left behind (and nothing else).
 */
export function testDatabaseName(): string {
  const name = uniqueName('dw_test');
  const dir = process.env[TEST_DATABASES_DIR_VARIABLE];
  // One file per process: appends from concurrent workers never interleave.
  if (dir) appendFileSync(join(dir, `${process.pid}.txt`), `${name}\n`);
  return name;
}

/** Drops a ClickHouse database of a test's own, if it exists, through the `default` database. */
export async function dropClickHouseDatabase(database: string): Promise<void> {
  const admin = ClickHouseService.createClient(
    { url: clickhouseUrl(), username: 'default', password: '', database: 'default' },
    undefined,
  );
  try {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  } finally {
    await admin.close();
  }
}

/** A ClickHouse wrapper on a fresh database of its own; drop it when done. */
export async function isolatedClickHouse(): Promise<ClickHouseService & { drop(): Promise<void> }> {
  const database = testDatabaseName();
  const service = new ClickHouseService({ url: clickhouseUrl(), username: 'default', password: '', database });
  await service.ensureDatabase();
  return Object.assign(service, {
    async drop() {
      await dropClickHouseDatabase(database);
      await service.onModuleDestroy();
    },
  });
}

/** A fresh Postgres database; returns its URL and a function that drops it. */
export async function isolatedPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = testDatabaseName();
  const adminUrl = databaseUrl();
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A fresh Postgres database with every migration applied and a DataSource open on it; drop() closes and drops both. */
export async function migratedPostgres(
  entities: DataSourceOptions['entities'] = [],
): Promise<{ dataSource: DataSource; drop(): Promise<void> }> {
  const db = await isolatedPostgres();
  const dataSource = new DataSource({ ...dataSourceOptions(db.url), entities });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    async drop() {
      await dataSource.destroy();
      await db.drop();
    },
  };
}
