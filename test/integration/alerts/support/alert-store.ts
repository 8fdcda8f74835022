import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../../backend/src/database/data-source';
import {
  AlertDeliveryEntity,
  AlertSilenceEntity,
  AlertStateEntity,
} from '../../../../backend/src/modules/alerts/alert-state.entity';
import { AlertsRepository } from '../../../../backend/src/modules/alerts/alerts.repository';
import { AlertsService } from '../../../../backend/src/modules/alerts/alerts.service';
import type { SlackTransport } from '../../../../backend/src/modules/alerts/slack/slack-transport';
import { isolatedPostgres } from '../../support/test-services';

export const DEFAULT_ALERT_RULES_FILE = join(__dirname, '../../../../reconciliation-rules/alerts/default.yaml');

export interface AlertStore {
  dataSource: DataSource;
  repository: AlertsRepository;
  /** An AlertsService over this store, the default alert rules and `transport`, initialised. */
  service(transport: SlackTransport): Promise<AlertsService>;
  /** Empties states, deliveries and silences between tests. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** Alert state, history and silences in a fresh, migrated Postgres database of their own. */
export async function startAlertStore(): Promise<AlertStore> {
  const postgres = await isolatedPostgres();
  const dataSource = new DataSource({
    ...dataSourceOptions(postgres.url),
    entities: [AlertStateEntity, AlertDeliveryEntity, AlertSilenceEntity],
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  const repository = new AlertsRepository(
    dataSource.getRepository(AlertStateEntity),
    dataSource.getRepository(AlertDeliveryEntity),
    dataSource.getRepository(AlertSilenceEntity),
  );
  return {
    dataSource,
    repository,
    async service(transport) {
      const service = new AlertsService(repository, transport, {
        rulesFile: DEFAULT_ALERT_RULES_FILE,
        dashboardUrl: 'http://127.0.0.1:3000',
      });
      await service.onModuleInit();
      return service;
    },
    async clear() {
      await dataSource.query('TRUNCATE alert_states, alert_deliveries, alert_silences');
    },
    async close() {
      await dataSource.destroy();
      await postgres.drop();
    },
  };
}
