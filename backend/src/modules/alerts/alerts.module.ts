import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import { ConfigService } from '../../config/config.service';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi, runsScheduler, runsWorker } from '../../config/process-role';
import { ConnectorsStatusModule } from '../connectors-status/connectors-status.module';
import { DashboardModule } from '../dashboard/dashboard.module';
import { FixupsModule } from '../fixups/fixups.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { SlaModule } from '../sla/sla.module';
import { AlertDeliveryEntity, AlertSilenceEntity, AlertStateEntity } from './alert-state.entity';
import { AlertSilencesService } from './alert-silences.service';
import { AlertsController } from './alerts.controller';
import { AlertsProcessor } from './alerts.processor';
import { AlertsStatusSchedule } from './alerts-status.schedule';
import { AlertsRepository } from './alerts.repository';
import { ALERTS_SETTINGS, AlertsService, type AlertsSettings } from './alerts.service';
import { DriftDigestSchedule } from './drift-digest.schedule';
import { DriftDigestService } from './drift-digest.service';
import { FindingGroupsRepository } from './finding-groups.repository';
import { RunAlertsService } from './run-alerts.service';
import { SlackInteractivityService } from './slack-interactivity.service';
import { StatusAlertsService } from './status-alerts.service';
import { SlackTransport } from './slack/slack-transport';

// From backend/{src,dist}/modules/alerts to the repository's reconciliation-rules/alerts.
const DEFAULT_ALERT_RULES = join(__dirname, '..', '..', '..', '..', 'reconciliation-rules', 'alerts', 'default.yaml');

@Module({})
export class AlertsModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => AlertsModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: AlertsModule,
      imports: [
        TypeOrmModule.forFeature([AlertStateEntity, AlertDeliveryEntity, AlertSilenceEntity]),
        // The same dynamic modules AppModule imports (Nest dedupes them): the rule catalog, SLA
        // metrics and connector status are read through their owners' exported services.
        ReconciliationModule.forRole(role),
        SlaModule.forRole(role),
        ConnectorsStatusModule.forRole(role),
        DashboardModule.forRole(role),
        FixupsModule.forRole(role),
      ],
      controllers: runsApi(role) ? [AlertsController] : [],
      providers: [
        AlertsRepository,
        AlertsService,
        SlackInteractivityService,
        ...(runsApi(role) ? [AlertSilencesService] : []),
        FindingGroupsRepository,
        RunAlertsService,
        StatusAlertsService,
        DriftDigestService,
        ...(runsWorker(role) ? [AlertsProcessor] : []),
        ...(runsScheduler(role) ? [AlertsStatusSchedule, DriftDigestSchedule] : []),
        {
          provide: ALERTS_SETTINGS,
          inject: [ConfigService],
          useFactory: (config: ConfigService): AlertsSettings => ({
            rulesFile: config.get('ALERT_RULES_FILE') ?? DEFAULT_ALERT_RULES,
            dashboardUrl: config.get('DASHBOARD_PUBLIC_URL').replace(/\/$/, ''),
          }),
        },
        {
          provide: SlackTransport,
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            new SlackTransport({
              botToken: config.get('SLACK_BOT_TOKEN'),
              apiUrl: config.get('SLACK_API_URL'),
              retries: config.get('SLACK_RETRIES'),
              timeoutMs: 10_000,
              webhooks: config.get('SLACK_WEBHOOK_URLS'),
            }),
        },
      ],
      exports: [AlertsService],
    };
  }
}
