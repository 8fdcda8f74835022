import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi, runsScheduler, runsWorker } from '../../config/process-role';
import { FindingsModule } from '../findings/findings.module';
import { CurrentStateService } from './current-state.service';
import { ReconciliationEventBatchesRepository } from './reconciliation-event-batches.repository';
import { ReconciliationRunsRepository } from './reconciliation-runs.repository';
import { ReconciliationStoreRepository } from './reconciliation-store.repository';
import { ReconciliationTriggerService } from './reconciliation-trigger.service';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationProcessor } from './reconciliation.processor';
import { ReconciliationSchedule } from './reconciliation.schedule';
import { ReconciliationService } from './reconciliation.service';
import { RuleCatalogService } from './rule-catalog.service';
import { RulePreviewsService } from './rule-previews.service';
import { RulesController } from './rules.controller';
import { RulesService } from './rules.service';
import { SnapshotCompletionListener } from './snapshot-completion.listener';

/**
 * Reconciliation runs: API (runs, dry-run, backtest) in the api role; the `reconcile` processor and
 * the after-snapshot hook in the worker role; the schedule in the scheduler role.
 */
@Module({})
export class ReconciliationModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => ReconciliationModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: ReconciliationModule,
      imports: [FindingsModule.forRole(role)],
      controllers: runsApi(role) ? [ReconciliationController, RulesController] : [],
      providers: [
        RuleCatalogService,
        ReconciliationStoreRepository,
        ReconciliationRunsRepository,
        CurrentStateService,
        ReconciliationService,
        ReconciliationTriggerService,
        ReconciliationEventBatchesRepository,
        ...(runsApi(role) ? [RulePreviewsService, RulesService] : []),
        ...(runsWorker(role) ? [ReconciliationProcessor, SnapshotCompletionListener] : []),
        ...(runsScheduler(role) ? [ReconciliationSchedule] : []),
      ],
      exports: [ReconciliationService, RuleCatalogService],
    };
  }
}
