import type { DataSource } from 'typeorm';
import type { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import type { ConfigService } from '../../../backend/src/config/config.service';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import type { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { CurrentStateService } from '../../../backend/src/modules/reconciliation/current-state.service';
import { ReconciliationRunsRepository } from '../../../backend/src/modules/reconciliation/reconciliation-runs.repository';
import { ReconciliationStoreRepository } from '../../../backend/src/modules/reconciliation/reconciliation-store.repository';
import { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { RuleCatalogService } from '../../../backend/src/modules/reconciliation/rule-catalog.service';
import { RulePreviewsService } from '../../../backend/src/modules/reconciliation/rule-previews.service';
import { findingsServiceOver } from './findings-service';

/** Reconciliation runs and rule previews wired by hand over given stores, as the module wires them. */
export function reconciliationServicesOver(
  config: ConfigService,
  clickhouse: ClickHouseService,
  dataSource: DataSource,
  findings?: FindingsRepository,
): { catalog: RuleCatalogService; service: ReconciliationService; previews: RulePreviewsService } {
  const catalog = new RuleCatalogService(config);
  const store = new ReconciliationStoreRepository(clickhouse);
  const currentState = new CurrentStateService(store);
  const service = new ReconciliationService(
    catalog,
    store,
    new ReconciliationRunsRepository(dataSource),
    new FindingsMergeRepository(dataSource),
    config,
    findingsServiceOver(dataSource, findings),
    currentState,
  );
  return { catalog, service, previews: new RulePreviewsService(catalog, store, currentState) };
}
