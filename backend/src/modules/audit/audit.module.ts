import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi } from '../../config/process-role';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/** Global so that any module's service can record audit entries without importing this module. */
@Global()
@Module({})
export class AuditModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => AuditModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: AuditModule,
      controllers: runsApi(role) ? [AuditController] : [],
      providers: [AuditRepository, AuditService, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
      exports: [AuditService],
    };
  }
}
