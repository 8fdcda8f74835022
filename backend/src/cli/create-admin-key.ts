import 'reflect-metadata';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { parseArgs } from 'node:util';
import { ConfigService } from '../config/config.service';
import { InvalidConfigError } from '../config/env.schema';
import { dataSourceOptions, PostgresUnavailableError } from '../database/data-source';
import { runSchemaMigrations } from '../database/schema-migrations';
import { SecretRedactor } from '../http/secret-redaction';
import { AuditRepository } from '../modules/audit/audit.repository';
import { AuditService } from '../modules/audit/audit.service';
import { ApiKeyEntity } from '../modules/auth/api-key.entity';
import { ApiKeyRepository } from '../modules/auth/api-key.repository';
import { ApiKeyService } from '../modules/auth/api-key.service';
import { isRole, type Role } from '../modules/auth/roles';

const USAGE = `Usage: node backend/dist/cli/create-admin-key.js [--name NAME] [--roles admin] [--expires-in-days N]
Creates an API key (admin by default) and prints it once on stdout; details go to stderr.`;

/** Bootstrap: the first admin key, before anyone can call the API to create keys. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string', default: 'bootstrap-admin' },
      roles: { type: 'string', default: 'admin' },
      'expires-in-days': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const roles = values.roles.split(',').map((r) => r.trim());
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length) throw new UsageError(`unknown role(s): ${unknown.join(', ')}`);
  let expiresAt: Date | undefined;
  if (values['expires-in-days'] !== undefined) {
    const days = Number(values['expires-in-days']);
    if (!Number.isInteger(days) || days < 1) throw new UsageError('--expires-in-days must be a whole number ≥ 1');
    expiresAt = new Date(Date.now() + days * 86_400_000);
  }

  const config = new ConfigService();
  if (config.get('RUN_MIGRATIONS')) await runSchemaMigrations(config);
  const dataSource = new DataSource({ ...dataSourceOptions(config.get('DATABASE_URL')), entities: [ApiKeyEntity] });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new PostgresUnavailableError(config.get('DATABASE_URL'), error);
  }
  try {
    const audit = new AuditService(new AuditRepository(dataSource), SecretRedactor.fromConfig(config));
    const keys = new ApiKeyService(new ApiKeyRepository(dataSource), audit);
    const created = await keys.create(
      { name: values.name, roles: roles as Role[], expiresAt },
      `cli:create-admin-key(${process.env.USER ?? 'unknown'})`,
    );
    process.stderr.write(
      `created API key ${created.apiKey.keyId} "${created.apiKey.name}" with roles ${created.apiKey.roles.join(', ')}` +
        `${created.apiKey.expiresAt ? `, expires ${created.apiKey.expiresAt}` : ''}; it is shown only now:\n`,
    );
    process.stdout.write(`${created.key}\n`);
  } finally {
    await dataSource.destroy();
  }
}

class UsageError extends Error {}

/** Migration progress goes to stderr so that stdout carries nothing but the key. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}
Logger.overrideLogger(new StderrLogger());
main().catch((error: unknown) => {
  const known =
    error instanceof UsageError ||
    error instanceof InvalidConfigError ||
    error instanceof PostgresUnavailableError ||
    (error instanceof Error && /not reachable/.test(error.message));
  const message = error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error);
  process.stderr.write(`${message}${error instanceof UsageError ? `\n${USAGE}` : ''}\n`);
  process.exit(1);
});
