import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ClickHouseMigrator } from '../clickhouse/clickhouse-migrator';
import { ClickHouseService } from '../clickhouse/clickhouse.service';
import { ConfigService } from '../config/config.service';
import { dataSourceOptions, PostgresUnavailableError } from './data-source';

// One advisory lock so that several processes booting at once migrate one at a time.
const MIGRATION_LOCK_KEY = 74_201_115;

/** Applies Postgres then ClickHouse migrations before the application starts. */
export async function runSchemaMigrations(config: ConfigService): Promise<void> {
  const logger = new Logger('SchemaMigrations');
  const dataSource = new DataSource(dataSourceOptions(config.get('DATABASE_URL')));
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new PostgresUnavailableError(config.get('DATABASE_URL'), error);
  }
  const lock = dataSource.createQueryRunner();
  const clickhouse = ClickHouseService.fromConfig(config);
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const postgres = await dataSource.runMigrations({ transaction: 'each' });
    if (postgres.length) logger.log(`applied ${postgres.length} Postgres migration(s)`);
    await clickhouse.ensureDatabase();
    await clickhouse.detectVersion();
    await new ClickHouseMigrator(clickhouse).migrate();
  } finally {
    // Releasing the connection ends the session, which frees the advisory lock even if unlock failed.
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await clickhouse.onModuleDestroy();
    await dataSource.destroy();
  }
}
