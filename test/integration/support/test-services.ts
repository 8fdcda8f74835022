import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';

export const clickhouseUrl = (): string => process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
export const databaseUrl = (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:15432/driftwatch';
export const redisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';

export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;

/** A ClickHouse wrapper on a fresh database of its own; drop it when done. */
export async function isolatedClickHouse(): Promise<ClickHouseService & { drop(): Promise<void> }> {
  const database = uniqueName('dw_test');
  const service = new ClickHouseService({ url: clickhouseUrl(), username: 'default', password: '', database });
  await service.ensureDatabase();
  return Object.assign(service, {
    async drop() {
      const admin = ClickHouseService.createClient(
        { url: clickhouseUrl(), username: 'default', password: '', database: 'default' },
        undefined,
      );
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await admin.close();
      await service.onModuleDestroy();
    },
  });
}

/** A fresh Postgres database; returns its URL and a function that drops it. */
export async function isolatedPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName('dw_test');
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
