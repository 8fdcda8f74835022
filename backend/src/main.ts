import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigService } from './config/config.service';
import { InvalidConfigError } from './config/env.schema';
import { runSchemaMigrations } from './database/schema-migrations';
import { bootLogger } from './logging/boot-logger';

async function bootstrap(): Promise<void> {
  const config = new ConfigService();
  Logger.overrideLogger(bootLogger(config.get('LOG_LEVEL')));
  if (config.get('RUN_MIGRATIONS')) await runSchemaMigrations(config);
  const app = await createApp(config.get('DRIFTWATCH_ROLE'), config.get('DASHBOARD_DIR'));
  await app.listen(config.get('PORT'), config.get('HOST'));
  new Logger('Driftwatch').log(
    `${config.get('DRIFTWATCH_ROLE')} listening on http://${config.get('HOST')}:${config.get('PORT')}`,
  );
}

bootstrap().catch((error: unknown) => {
  // Known start-up problems get one readable line, not a stack trace.
  const known = error instanceof InvalidConfigError || (error instanceof Error && /not reachable/.test(error.message));
  process.stderr.write(
    `${known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
