import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigService } from '../../config/config.service';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi } from '../../config/process-role';
import { KeyedThrottlerGuard } from '../../http/keyed-throttler.guard';
import { RedisThrottlerStorage } from '../../http/redis-throttler.storage';
import { AccessGuard } from './access.guard';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { ApiKeysController } from './api-keys.controller';
import { CredentialsService } from './credentials.service';
import { CurrentCredentialController } from './current-credential.controller';
import { CurrentCredentialService } from './current-credential.service';
import './foreign-routes.access';
import { OidcTokenVerifier } from './oidc-token.verifier';

/**
 * Authentication (API keys, OIDC bearer tokens) and authorisation (roles) for every route, in every
 * process role: the rate limit guard runs first, then the access guard.
 */
@Module({})
export class AuthModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => AuthModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        TypeOrmModule.forFeature([ApiKeyEntity]),
        ThrottlerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            throttlers: [{ name: 'default', ttl: 60_000, limit: config.get('RATE_LIMIT_PER_MINUTE') }],
            // Shared by every process: two API processes count one credential's requests together.
            storage: new RedisThrottlerStorage(config.get('REDIS_URL'), config.get('RATE_LIMIT_REDIS_PREFIX')),
          }),
        }),
      ],
      controllers: runsApi(role) ? [ApiKeysController, CurrentCredentialController] : [],
      providers: [
        ApiKeyRepository,
        ApiKeyService,
        OidcTokenVerifier,
        CredentialsService,
        CurrentCredentialService,
        { provide: APP_GUARD, useClass: KeyedThrottlerGuard },
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
      exports: [ApiKeyService],
    };
  }
}
