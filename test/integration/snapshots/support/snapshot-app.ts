import type { INestApplication, Provider } from '@nestjs/common';
import { Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ClickHouseModule } from '../../../../backend/src/clickhouse/clickhouse.module';
import { ClickHouseService } from '../../../../backend/src/clickhouse/clickhouse.service';
import { ident, sql } from '../../../../backend/src/clickhouse/sql';
import { ConfigModule } from '../../../../backend/src/config/config.module';
import { ConfigService } from '../../../../backend/src/config/config.service';
import type { ProcessRole } from '../../../../backend/src/config/env.schema';
import { runsScheduler } from '../../../../backend/src/config/process-role';
import { DatabaseModule } from '../../../../backend/src/database/database.module';
import { runSchemaMigrations } from '../../../../backend/src/database/schema-migrations';
import { SnapshotsModule } from '../../../../backend/src/modules/snapshots/snapshots.module';
import { QueuesModule } from '../../../../backend/src/queues/queues.module';
import {
  clickhouseUrl,
  isolatedPostgres,
  ownRedisUrl,
  testDatabaseName,
  uniqueName,
} from '../../support/test-services';

export interface SnapshotTestEnv {
  env: Record<string, string>;
  clickhouse: ClickHouseService;
  cleanup(): Promise<void>;
}

/**
 * Fresh Postgres and ClickHouse databases (migrated) and a Redis database number of their own, so
 * jobs of this test are never taken by another process's snapshot worker on the shared Redis.
 */
export async function snapshotTestEnv(extra: Record<string, string> = {}): Promise<SnapshotTestEnv> {
  const postgres = await isolatedPostgres();
  const database = testDatabaseName();
  const env = {
    DATABASE_URL: postgres.url,
    CLICKHOUSE_URL: clickhouseUrl(),
    CLICKHOUSE_DATABASE: database,
    REDIS_URL: ownRedisUrl(),
    // A prefix of its own: a scheduler some earlier suite left running can't feed this test's queues.
    QUEUE_PREFIX: uniqueName('dwq'),
    LOG_LEVEL: 'silent',
    ...extra,
  };
  const config = new ConfigService({ ...process.env, ...env });
  await runSchemaMigrations(config);
  const clickhouse = ClickHouseService.fromConfig(config);
  return {
    env,
    clickhouse,
    async cleanup() {
      await clickhouse.command(sql`DROP DATABASE IF EXISTS ${ident(database)}`, { tag: 'test.drop' });
      await clickhouse.onModuleDestroy();
      await postgres.drop();
    },
  };
}

/** The snapshots feature with the real stores, for one process role, resolving connectors through `connectors`. */
export async function startSnapshotApp(
  role: ProcessRole,
  env: Record<string, string>,
  connectors: Provider,
): Promise<INestApplication> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    @Module({
      imports: [
        ConfigModule,
        ClickHouseModule,
        DatabaseModule,
        QueuesModule,
        ...(runsScheduler(role) ? [ScheduleModule.forRoot()] : []),
        SnapshotsModule.forRole(role, { connectors }),
      ],
    })
    class SnapshotTestModule {}
    const app = await NestFactory.create(SnapshotTestModule, { logger: ['error'], abortOnError: false });
    // As createApp does for the real application.
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    app.enableShutdownHooks();
    await app.init();
    return app;
  } finally {
    process.env = saved;
  }
}
