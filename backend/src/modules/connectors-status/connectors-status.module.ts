import { DynamicModule, Module, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigService } from '../../config/config.service';
import type { ProcessRole } from '../../config/env.schema';
import { runsApi } from '../../config/process-role';
import { SnapshotRunEntity } from '../snapshots/snapshot-run.entity';
import { CONNECTOR_CATALOG, ConfiguredConnectorCatalog } from './connector-catalog';
import { ConnectorsStatusController } from './connectors-status.controller';
import { ConnectorsStatusRepository } from './connectors-status.repository';
import { ConnectorsStatusService } from './connectors-status.service';

export interface ConnectorsStatusModuleOptions {
  /** Provides CONNECTOR_CATALOG; by default the connectors of DRIFTWATCH_CONNECTORS_FILE. */
  connectors?: Provider;
}

/** Connector health, freshness, throughput and running snapshots for the dashboard (api role). */
@Module({})
export class ConnectorsStatusModule {
  static forRole(role: ProcessRole, options: ConnectorsStatusModuleOptions = {}): DynamicModule {
    if (!runsApi(role)) return { module: ConnectorsStatusModule };
    return {
      module: ConnectorsStatusModule,
      imports: [TypeOrmModule.forFeature([SnapshotRunEntity])],
      controllers: [ConnectorsStatusController],
      providers: [
        options.connectors ?? {
          provide: CONNECTOR_CATALOG,
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            new ConfiguredConnectorCatalog(config.get('DRIFTWATCH_CONNECTORS_FILE')),
        },
        ConnectorsStatusRepository,
        ConnectorsStatusService,
      ],
    };
  }
}
