import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ClickHouseService } from '../../backend/src/clickhouse/clickhouse.service';
import {
  clickhouseUrl,
  databaseUrl,
  dropClickHouseDatabase,
  TEST_DATABASES_DIR_VARIABLE,
} from './support/test-services';

/**
 * Drops the databases this run's tests created and did not drop themselves (a test that died before
 * its cleanup). Only names this run noted are touched: every worker of the run has finished, and
 * databases of other runs on the same servers, or not made by tests, are never in the list.
 */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[TEST_DATABASES_DIR_VARIABLE];
  if (!dir) return;
  const noted = readdirSync(dir).flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'));
  const names = [...new Set(noted)].filter((name) => /^dw_test_[0-9a-f]+$/.test(name));
  if (names.length > 0) await Promise.all([dropLeftClickHouse(names), dropLeftPostgres(names)]);
  rmSync(dir, { recursive: true, force: true });
  delete process.env[TEST_DATABASES_DIR_VARIABLE];
}

async function dropLeftClickHouse(names: string[]): Promise<void> {
  const admin = ClickHouseService.createClient(
    { url: clickhouseUrl(), username: 'default', password: '', database: 'default' },
    undefined,
  );
  let left: string[];
  try {
    const result = await admin.query({ query: 'SHOW DATABASES', format: 'JSONEachRow' });
    const noted = new Set(names);
    left = (await result.json<{ name: string }>()).map((row) => row.name).filter((name) => noted.has(name));
  } finally {
    await admin.close();
  }
  for (const name of left) await dropClickHouseDatabase(name);
}

async function dropLeftPostgres(names: string[]): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = ANY($1::text[])',
      [names],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
