import { DynamicModule, Module, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigService } from '../../config/config.service';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi, runsWorker } from '../../config/process-role';
import { RuleCatalogService } from '../reconciliation/rule-catalog.service';
import { CorrectiveSyncProcessor } from './corrective-sync.processor';
import { CorrectiveSyncQueueMetrics } from './corrective-sync-queue-metrics';
import { CorrectiveSyncQueues } from './corrective-sync-queues';
import { CorrectiveSyncService } from './corrective-sync.service';
import { ConfiguredFixupTargets, FIXUP_TARGETS } from './fixup-connectors';
import { FixupParentKeysRepository } from './fixup-parent-keys.repository';
import { FixupPlannerService } from './fixup-planner.service';
import { FixupPlanningProcessor } from './fixup-planning.processor';
import { FixupPlanningRepository } from './fixup-planning.repository';
import { FixupTaskEntity, FixupTaskEventEntity } from './fixup-task.entity';
import { FixupsController } from './fixups.controller';
import { FixupsMetrics } from './fixups.metrics';
import { FixupsRepository } from './fixups.repository';
import { FixupsService } from './fixups.service';
import { FIXUPS_SETTINGS, fixupsSettingsFrom, type FixupsSettings } from './fixups-settings';
import { FixupsSweeper } from './fixups-sweeper';
import { MergeFixupPlanner } from './merge-fixup-planner';
import { WriteRateLimiter } from './write-rate-limiter';

export interface FixupsModuleOptions {
  /** Provides FIXUP_TARGETS; by default the connectors of DRIFTWATCH_CONNECTORS_FILE. */
  targets?: Provider;
}

/**
 * Fix-up tasks and corrective sync: the API in the api role; planning after each reconciliation run,
 * the `corrective-sync:<connector>` processors and the sweep in the worker role. Exports FixupsService
 * (the stewardship queue lists and decides tasks waiting for a person through it) and MergeFixupPlanner
 * (a steward's merge decision becomes tasks).
 */
@Module({})
export class FixupsModule {
  /** Without options, one module object per role (see onePerRole); tests pass their own options. */
  static forRole(role: ProcessRole, options?: FixupsModuleOptions): DynamicModule {
    return options === undefined ? FixupsModule.byRole(role) : FixupsModule.build(role, options);
  }

  private static readonly byRole = onePerRole((role: ProcessRole) => FixupsModule.build(role, {}));

  private static build(role: ProcessRole, options: FixupsModuleOptions): DynamicModule {
    return {
      module: FixupsModule,
      imports: [TypeOrmModule.forFeature([FixupTaskEntity, FixupTaskEventEntity])],
      controllers: runsApi(role) ? [FixupsController] : [],
      providers: [
        { provide: FIXUPS_SETTINGS, inject: [ConfigService], useFactory: fixupsSettingsFrom },
        options.targets ?? {
          provide: FIXUP_TARGETS,
          inject: [ConfigService],
          useFactory: (config: ConfigService) => new ConfiguredFixupTargets(config.get('DRIFTWATCH_CONNECTORS_FILE')),
        },
        { provide: FixupsMetrics, useFactory: () => new FixupsMetrics() },
        RuleCatalogService,
        FixupsRepository,
        FixupPlanningRepository,
        FixupParentKeysRepository,
        CorrectiveSyncQueues,
        CorrectiveSyncQueueMetrics,
        FixupPlannerService,
        FixupsService,
        MergeFixupPlanner,
        {
          provide: WriteRateLimiter,
          inject: [FIXUPS_SETTINGS],
          useFactory: (settings: FixupsSettings) => new WriteRateLimiter(settings),
        },
        CorrectiveSyncService,
        FixupsSweeper,
        ...(runsWorker(role) ? [FixupPlanningProcessor, CorrectiveSyncProcessor] : []),
      ],
      exports: [FixupsService, FixupPlannerService, FixupsSweeper, MergeFixupPlanner],
    };
  }
}
