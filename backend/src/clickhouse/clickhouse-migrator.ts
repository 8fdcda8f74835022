import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { ClickHouseService } from './clickhouse.service';
import { ident, raw, sql } from './sql';

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
export const CLICKHOUSE_MIGRATIONS_DIR = joinPath(__dirname, 'migrations');

export interface ClickHouseMigration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Splits a migration file into statements: a statement ends with `;` at the end of a line. */
export function splitStatements(text: string): string[] {
  const withoutComments = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

export async function loadMigrations(dir: string): Promise<ClickHouseMigration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<number>();
  const migrations: ClickHouseMigration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) throw new MigrationError(`ClickHouse migration ${file} is not named NNNN_snake_name.sql`);
    const version = Number(match[1]);
    if (seen.has(version)) throw new MigrationError(`two ClickHouse migrations share version ${match[1]}`);
    seen.add(version);
    const text = await readFile(joinPath(dir, file), 'utf8');
    migrations.push({
      version,
      name: match[2],
      checksum: createHash('sha256').update(text).digest('hex'),
      statements: splitStatements(text),
    });
  }
  return migrations;
}

/**
 * Applies numbered ClickHouse migrations once each, recording them with a checksum.
 * Statements must be idempotent (`IF NOT EXISTS`), because ClickHouse has no transactional DDL:
 * a migration interrupted halfway is re-run from its start.
 */
export class ClickHouseMigrator {
  private readonly logger = new Logger(ClickHouseMigrator.name);

  constructor(
    private readonly clickhouse: ClickHouseService,
    private readonly dir: string = CLICKHOUSE_MIGRATIONS_DIR,
  ) {}

  async migrate(): Promise<number[]> {
    await this.clickhouse.ensureDatabase();
    await this.clickhouse.command(
      raw(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version UInt32, name String, checksum String, applied_at DateTime
      ) ENGINE = MergeTree ORDER BY version`),
      { tag: 'migrations.init' },
    );
    const applied = await this.clickhouse.query<{ version: number; name: string; checksum: string }>(
      raw('SELECT version, name, checksum FROM schema_migrations ORDER BY version'),
      { tag: 'migrations.applied' },
    );
    const appliedByVersion = new Map(applied.map((row) => [Number(row.version), row]));
    const migrations = await loadMigrations(this.dir);
    const ran: number[] = [];
    for (const migration of migrations) {
      const previous = appliedByVersion.get(migration.version);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new MigrationError(
            `ClickHouse migration ${String(migration.version).padStart(4, '0')}_${migration.name} was changed after it ` +
              'was applied; migrations are immutable: add a new one instead',
          );
        }
        continue;
      }
      for (const [index, statement] of migration.statements.entries()) {
        await this.clickhouse.command(raw(statement), { tag: `migrations.${migration.version}.${index + 1}` });
      }
      await this.clickhouse.command(
        sql`INSERT INTO ${ident('schema_migrations')} (version, name, checksum, applied_at) VALUES (${migration.version}, ${migration.name}, ${migration.checksum}, now())`,
        { tag: 'migrations.record' },
      );
      this.logger.log(`applied ClickHouse migration ${migration.version} ${migration.name}`);
      ran.push(migration.version);
    }
    return ran;
  }
}
