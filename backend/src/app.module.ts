import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { LoggerModule } from 'nestjs-pino';
import { ClickHouseModule } from './clickhouse/clickhouse.module';
import { ConfigModule } from './config/config.module';
import type { ProcessRole } from './config/env.schema';
import { runsScheduler } from './config/process-role';
import { DatabaseModule } from './database/database.module';
import { HttpModule } from './http/http.module';
import { loggerOptions } from './logging/logger-options';
import { AuditModule } from './modules/audit/audit.module';
import { AlertsModule } from './modules/alerts/alerts.module';
import { AuthModule } from './modules/auth/auth.module';
import { ConnectorsStatusModule } from './modules/connectors-status/connectors-status.module';
import { CustomersModule } from './modules/customers/customers.module';
import { FixupsModule } from './modules/fixups/fixups.module';
import { DashboardModule } from './modules/dashboard/dashboard.module';
import { HealthModule } from './modules/health/health.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { ReconciliationModule } from './modules/reconciliation/reconciliation.module';
import { RetentionModule } from './modules/retention/retention.module';
import { SlaModule } from './modules/sla/sla.module';
import { SnapshotsModule } from './modules/snapshots/snapshots.module';
import { StewardshipModule } from './modules/stewardship/stewardship.module';
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
        MetricsModule,
        SnapshotsModule.forRole(role),
        ReconciliationModule.forRole(role),
        // Every route sits behind these: rate limits, authentication, roles, audit of mutations.
        HttpModule,
        AuditModule.forRole(role),
        AuthModule.forRole(role),
        AlertsModule.forRole(role),
        StewardshipModule.forRole(role),
        FixupsModule.forRole(role),
        SlaModule.forRole(role),
        DashboardModule.forRole(role),
        ConnectorsStatusModule.forRole(role),
        CustomersModule.forRole(role),
        RetentionModule.forRole(role),
        ...(runsScheduler(role) ? [ScheduleModule.forRoot()] : []),
      ],
    };
  }
}
