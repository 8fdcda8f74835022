import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsScheduler, runsWorker } from '../../config/process-role';
import { RetentionProcessor } from './retention.processor';
import { RetentionRepository } from './retention.repository';
import { RetentionSchedule } from './retention.schedule';
import { RetentionService } from './retention.service';

/** Drops ClickHouse history past its retention: scheduled by the scheduler, applied by a worker. */
@Module({})
export class RetentionModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => RetentionModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: RetentionModule,
      providers: [
        ...(runsWorker(role) ? [RetentionRepository, RetentionService, RetentionProcessor] : []),
        ...(runsScheduler(role) ? [RetentionSchedule] : []),
      ],
    };
  }
}
