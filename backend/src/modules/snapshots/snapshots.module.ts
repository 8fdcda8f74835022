import { DynamicModule, Module, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi, runsScheduler, runsWorker } from '../../config/process-role';
import { ConfigService } from '../../config/config.service';
import { ChangeStreamListener } from './change-stream.listener';
import { ConnectorEventsController } from './connector-events.controller';
import { ConnectorEventsService } from './connector-events.service';
import { SnapshotCompanionsRepository } from './snapshot-companions.repository';
import { SnapshotCompanionsService } from './snapshot-companions.service';
import { CONNECTOR_RESOLVER, ConfiguredConnectorResolver } from './snapshot-connectors';
import { SnapshotEventWindowsRepository } from './snapshot-event-windows.repository';
import { SnapshotRunEntity } from './snapshot-run.entity';
import { SnapshotRunnerService } from './snapshot-runner.service';
import { SnapshotRunsRepository } from './snapshot-runs.repository';
import { SnapshotStoreRepository } from './snapshot-store.repository';
import { SnapshotProcessor } from './snapshot.processor';
import { SnapshotCronSchedule } from './snapshot.schedule';
import { SnapshotsController } from './snapshots.controller';
import { SnapshotsService } from './snapshots.service';

export interface SnapshotsModuleOptions {
  /** Provides CONNECTOR_RESOLVER; by default connectors come from DRIFTWATCH_CONNECTORS_FILE. */
  connectors?: Provider;
}

/**
 * Snapshots: API in the api role, the queue processor in the worker role, cron schedules and change
 * stream subscriptions in the scheduler role.
 */
@Module({})
export class SnapshotsModule {
  /** Without options, one module object per role (see onePerRole); tests pass their own options. */
  static forRole(role: ProcessRole, options?: SnapshotsModuleOptions): DynamicModule {
    return options === undefined ? SnapshotsModule.byRole(role) : SnapshotsModule.build(role, options);
  }

  private static readonly byRole = onePerRole((role: ProcessRole) => SnapshotsModule.build(role, {}));

  private static build(role: ProcessRole, options: SnapshotsModuleOptions): DynamicModule {
    return {
      module: SnapshotsModule,
      imports: [TypeOrmModule.forFeature([SnapshotRunEntity])],
      controllers: runsApi(role) ? [SnapshotsController, ConnectorEventsController] : [],
      providers: [
        options.connectors ?? {
          provide: CONNECTOR_RESOLVER,
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            new ConfiguredConnectorResolver(config.get('DRIFTWATCH_CONNECTORS_FILE')),
        },
        SnapshotRunsRepository,
        SnapshotEventWindowsRepository,
        SnapshotStoreRepository,
        SnapshotRunnerService,
        SnapshotsService,
        ...(runsApi(role) || runsScheduler(role) ? [ConnectorEventsService] : []),
        ...(runsWorker(role) ? [SnapshotCompanionsRepository, SnapshotCompanionsService, SnapshotProcessor] : []),
        ...(runsScheduler(role) ? [SnapshotCronSchedule, ChangeStreamListener] : []),
      ],
      exports: [SnapshotsService, SnapshotRunnerService],
    };
  }
}
