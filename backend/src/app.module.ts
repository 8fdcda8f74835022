import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { LoggerModule } from 'nestjs-pino';
import { ClickHouseModule } from './clickhouse/clickhouse.module';
import { ConfigModule } from './config/config.module';
import type { ProcessRole } from './config/env.schema';
import { runsScheduler } from './config/process-role';
import { DatabaseModule } from './database/database.module';
import { loggerOptions } from './logging/logger-options';
import { HealthModule } from './modules/health/health.module';
import { QueuesModule } from './queues/queues.module';

/**
 * The application for one process role. Every role serves health and metrics (so probes work
 * for workers too); feature modules decide per role whether they add controllers, processors or
 * schedules.
 */
@Module({})
export class AppModule {
  static forRole(role: ProcessRole): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule,
        LoggerModule.forRootAsync(loggerOptions),
        PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } }),
        ClickHouseModule,
        DatabaseModule,
        QueuesModule,
        HealthModule,
        ...(runsScheduler(role) ? [ScheduleModule.forRoot()] : []),
      ],
    };
  }
}
