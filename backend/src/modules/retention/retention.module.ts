import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsScheduler, runsWorker } from '../../config/process-role';
import { ClosedFindingsRepository } from './closed-findings.repository';
import { RetentionProcessor } from './retention.processor';
import { RetentionRepository } from './retention.repository';
import { RetentionSchedule } from './retention.schedule';
import { RetentionService } from './retention.service';
import { RunHistoryRepository } from './run-history.repository';

/** Drops ClickHouse and Postgres history past its retention: scheduled by the scheduler, applied by a worker. */
@Module({})
export class RetentionModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => RetentionModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: RetentionModule,
      providers: [
        ...(runsWorker(role)
          ? [RetentionRepository, RunHistoryRepository, ClosedFindingsRepository, RetentionService, RetentionProcessor]
          : []),
        ...(runsScheduler(role) ? [RetentionSchedule] : []),
      ],
    };
  }
}
