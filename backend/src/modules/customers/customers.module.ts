import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi } from '../../config/process-role';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';

/** Customer 360 for the dashboard (api role). */
@Module({})
export class CustomersModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => CustomersModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    if (!runsApi(role)) return { module: CustomersModule };
    return {
      module: CustomersModule,
      imports: [ReconciliationModule.forRole(role)],
      controllers: [CustomersController],
      providers: [CustomersRepository, CustomersService],
    };
  }
}
