import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi } from '../../config/process-role';
import { FindingsController } from './findings.controller';
import { FindingsMergeRepository } from './findings-merge.repository';
import { FindingsRepository } from './findings.repository';
import { FindingsService } from './findings.service';

/** Findings' current state: the API in the api role; the repositories for the reconciliation worker. */
@Module({})
export class FindingsModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => FindingsModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: FindingsModule,
      controllers: runsApi(role) ? [FindingsController] : [],
      providers: [FindingsRepository, FindingsMergeRepository, FindingsService],
      exports: [FindingsRepository, FindingsMergeRepository, FindingsService],
    };
  }
}
