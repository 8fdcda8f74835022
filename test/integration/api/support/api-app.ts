import { Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { register } from 'prom-client';
import { Client } from 'pg';
import { AppModule } from '../../../../backend/src/app.module';
import { APP_OPTIONS, configureApp, createApp } from '../../../../backend/src/app.factory';
import { ConfigService } from '../../../../backend/src/config/config.service';
import { runSchemaMigrations } from '../../../../backend/src/database/schema-migrations';
import { ApiKeyService } from '../../../../backend/src/modules/auth/api-key.service';
import type { Role } from '../../../../backend/src/modules/auth/roles';
import {
  clickhouseUrl,
  dropClickHouseDatabase,
  isolatedPostgres,
  redisUrl,
  testDatabaseName,
  uniqueName,
} from '../../support/test-services';
import { ResponseContract } from './response-contract';

export interface ApiTestApp {
  app: NestExpressApplication;
  server: ReturnType<NestExpressApplication['getHttpServer']>;
  postgresUrl: string;
  /** A fresh API key with these roles (created through the service, as the CLI does). */
  key(
    roles: Role[],
    options?: { name?: string; expiresAt?: Date },
  ): Promise<{ key: string; id: string; keyId: string }>;
  /** Runs SQL against the app's own Postgres database. */
  sql<T extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Boots the real application (API role) on a fresh Postgres database and ClickHouse database, like
 * `app-health.spec.ts`. `env` overrides configuration for this app only.
 */
export async function startApiApp(
  env: Record<string, string> = {},
  options: { controllers?: Type[]; databasePassword?: string } = {},
): Promise<ApiTestApp> {
  const saved = { ...process.env };
  const postgres = await isolatedPostgres();
  const clickhouseDatabase = testDatabaseName();
  // The local Postgres trusts loopback, so any password works: a realistic secret in the config.
  const databaseUrl = new URL(postgres.url);
  if (options.databasePassword) databaseUrl.password = options.databasePassword;
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl.toString(),
    CLICKHOUSE_URL: clickhouseUrl(),
    CLICKHOUSE_DATABASE: clickhouseDatabase,
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: uniqueName('dwq'),
    LOG_LEVEL: 'silent',
    // Rate-limit counters live in Redis: a prefix per app keeps tests (and reruns) from sharing budgets.
    RATE_LIMIT_REDIS_PREFIX: `${uniqueName('dw_test_rl')}:`,
    ...env,
  });
  // The app creates this ClickHouse database at boot, unless `env` names another (whose owner drops it).
  const ownsClickHouse = env.CLICKHOUSE_DATABASE === undefined;
  const dropStores = async () => {
    if (ownsClickHouse) await dropClickHouseDatabase(clickhouseDatabase);
    await postgres.drop();
  };
  let app: NestExpressApplication | undefined;
  const contract = new ResponseContract();
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  try {
    await runSchemaMigrations(new ConfigService());
    register.clear();
    app = options.controllers ? await createWithControllers(options.controllers) : await createApp('api');
    contract.install(app);
    // Listening once lets supertest reuse the port (and keep-alive connections) instead of a server per request.
    await app.listen(0, '127.0.0.1');
    contract.load(app);
    await client.connect();
  } catch (error) {
    await app?.close();
    await dropStores();
    process.env = saved;
    throw error;
  }
  const started = app;
  const keys = started.get(ApiKeyService);
  return {
    app: started,
    server: started.getHttpServer(),
    postgresUrl: postgres.url,
    async key(roles, options = {}) {
      const created = await keys.create(
        { name: options.name ?? `test-${roles.join('-')}`, roles, expiresAt: undefined },
        'test:setup',
      );
      if (options.expiresAt) {
        await client.query('UPDATE api_keys SET expires_at = $1 WHERE id = $2', [options.expiresAt, created.apiKey.id]);
      }
      return { key: created.key, id: created.apiKey.id, keyId: created.apiKey.keyId };
    },
    async sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []) {
      return (await client.query<T>(text, params)).rows;
    },
    async close() {
      await client.end();
      await started.close();
      await dropStores();
      process.env = saved;
      if (contract.violations.length > 0) {
        throw new Error(
          `answers that break the OpenAPI document (backend/openapi.json):\n${[...new Set(contract.violations)].join('\n')}`,
        );
      }
    },
  };
}

/** The real application plus test-only controllers (to exercise cross-cutting behaviour). */
async function createWithControllers(controllers: Type[]): Promise<NestExpressApplication> {
  @Module({ imports: [AppModule.forRole('api')], controllers })
  class TestAppModule {}
  const app = await NestFactory.create<NestExpressApplication>(TestAppModule, APP_OPTIONS);
  configureApp(app, 'api');
  return app;
}
