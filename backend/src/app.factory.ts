import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { ConfigService } from './config/config.service';
import type { ProcessRole } from './config/env.schema';
import { runsApi } from './config/process-role';
import { validationException } from './http/api-error';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { applyHttpHardening } from './http/http-hardening';
import { ERROR_MODELS, withErrorResponses } from './http/openapi-error-responses';
import { SecretRedactor } from './http/secret-redaction';

const BACKEND_PATHS = /^\/(api|health|metrics)(\/|$)/;

export function buildOpenApiDocument(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle('Driftwatch API')
    .setDescription('Drift findings, fix-up tasks, snapshots and SLA metrics across ERP, CRM, WMS and support systems.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (dwk_…) or an OIDC access token.' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .build();
  return withErrorResponses(SwaggerModule.createDocument(app, config, { extraModels: ERROR_MODELS }));
}

/** Options every Nest application needs; bodyParser is off because applyHttpHardening installs its own. */
export const APP_OPTIONS = { bufferLogs: true, bodyParser: false } as const;

/** Creates and configures (but does not start) the Nest application for a role. */
export async function createApp(role: ProcessRole, dashboardDir?: string): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRole(role), APP_OPTIONS);
  configureApp(app, role, dashboardDir);
  return app;
}

/**
 * Logging, hardening, validation, error shape and docs: shared by `createApp` and tests that compile
 * AppModule with extra test controllers (create those with APP_OPTIONS).
 */
export function configureApp(app: NestExpressApplication, role: ProcessRole, dashboardDir?: string): void {
  app.useLogger(app.get(Logger));
  applyHttpHardening(app, app.get(ConfigService));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationException,
    }),
  );
  app.useGlobalFilters(new ApiExceptionFilter(app.get(SecretRedactor)));
  app.enableShutdownHooks();
  if (runsApi(role)) {
    SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app));
    if (dashboardDir) serveDashboard(app, dashboardDir);
  }
}

/** Serves the built dashboard with a fallback to index.html for client-side routes. */
function serveDashboard(app: NestExpressApplication, dir: string): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) throw new Error(`DASHBOARD_DIR ${dir} has no index.html: run \`npm run build\` first`);
  app.useStaticAssets(dir, { index: false });
  app.use((req: { method: string; path: string }, res: { sendFile(p: string): void }, next: () => void) => {
    if (req.method === 'GET' && !BACKEND_PATHS.test(req.path)) res.sendFile(index);
    else next();
  });
}
