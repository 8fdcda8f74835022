import { DataSource, DataSourceOptions } from 'typeorm';
import { POSTGRES_MIGRATIONS } from './migrations';

export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrations: POSTGRES_MIGRATIONS,
    migrationsTransactionMode: 'each',
    connectTimeoutMS: 5000,
    extra: { max: 10 },
  };
}

export class PostgresUnavailableError extends Error {
  constructor(url: string, cause: unknown) {
    const safeUrl = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    super(
      `PostgreSQL is not reachable at ${safeUrl}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Start it with `npm run services:up` or point DATABASE_URL at a running server.',
      { cause },
    );
    this.name = 'PostgresUnavailableError';
  }
}

/** For the TypeORM CLI (`typeorm migration:show -d dist/database/data-source.js`). */
export default new DataSource(
  dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:15432/driftwatch'),
);
