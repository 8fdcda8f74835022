import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ConfigService } from '../config/config.service';
import { QueryFreeRoutesInterceptor } from './query-free-routes.interceptor';
import { SecretRedactor } from './secret-redaction';

/**
 * Cross-cutting HTTP pieces that modules inject, and the interceptor refusing a query string on a route
 * that reads none (the rest is wired in `applyHttpHardening`).
 */
@Global()
@Module({
  providers: [
    { provide: APP_INTERCEPTOR, useClass: QueryFreeRoutesInterceptor },
    {
      provide: SecretRedactor,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => SecretRedactor.fromConfig(config),
    },
  ],
  exports: [SecretRedactor],
})
export class HttpModule {}
