import { DynamicModule, Module, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigService } from '../../config/config.service';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi } from '../../config/process-role';
import { SnapshotRunEntity } from '../snapshots/snapshot-run.entity';
import { CONNECTOR_CATALOG, ConfiguredConnectorCatalog } from './connector-catalog';
import { ConnectorsStatusController } from './connectors-status.controller';
import { ConnectorsStatusRepository } from './connectors-status.repository';
import { ConnectorsStatusService } from './connectors-status.service';

export interface ConnectorsStatusModuleOptions {
  /** Provides CONNECTOR_CATALOG; by default the connectors of DRIFTWATCH_CONNECTORS_FILE. */
  connectors?: Provider;
}

/**
 * Connector health, freshness, throughput and running snapshots: the dashboard API in the api role;
 * ConnectorsStatusService in every role (the alerts worker checks connector health and freshness).
 */
@Module({})
export class ConnectorsStatusModule {
  /** Without options, one module object per role (see onePerRole); tests pass their own options. */
  static forRole(role: ProcessRole, options?: ConnectorsStatusModuleOptions): DynamicModule {
    return options === undefined ? ConnectorsStatusModule.byRole(role) : ConnectorsStatusModule.build(role, options);
  }

  private static readonly byRole = onePerRole((role: ProcessRole) => ConnectorsStatusModule.build(role, {}));

  private static build(role: ProcessRole, options: ConnectorsStatusModuleOptions): DynamicModule {
    return {
      module: ConnectorsStatusModule,
      imports: [TypeOrmModule.forFeature([SnapshotRunEntity])],
      controllers: runsApi(role) ? [ConnectorsStatusController] : [],
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
      exports: [ConnectorsStatusService],
    };
  }
}
