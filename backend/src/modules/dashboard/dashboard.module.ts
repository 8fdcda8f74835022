import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi } from '../../config/process-role';
import { SlaModule } from '../sla/sla.module';
import { DashboardController } from './dashboard.controller';
import { DashboardRepository } from './dashboard.repository';
import { DashboardService } from './dashboard.service';
import { RecordCountsRepository } from './record-counts.repository';

/** Dashboard aggregates (overview, trends): the api role's pages, and the alert digests on the worker. */
@Module({})
export class DashboardModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => DashboardModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: DashboardModule,
      imports: [SlaModule.forRole(role)],
      controllers: runsApi(role) ? [DashboardController] : [],
      providers: [DashboardRepository, RecordCountsRepository, DashboardService],
      exports: [DashboardRepository, DashboardService],
    };
  }
}
