import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi } from '../../config/process-role';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { SlaController } from './sla.controller';
import { SlaRepository } from './sla.repository';
import { SlaService } from './sla.service';

/** SLA metrics per route and freshness per system, read from the rules and what runs recorded. */
@Module({})
export class SlaModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => SlaModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: SlaModule,
      imports: [ReconciliationModule.forRole(role)],
      controllers: runsApi(role) ? [SlaController] : [],
      providers: [SlaRepository, SlaService],
      exports: [SlaService],
    };
  }
}
