import Redis from 'ioredis';
import { ClickHouseService } from '../clickhouse/clickhouse.service';
import { raw } from '../clickhouse/sql';
import { ConfigService } from '../config/config.service';
import { recreateDatabase } from '../database/recreate-database';

/**
 * `npm run demo` keeps Driftwatch's data in stores of its own and empties them at every start: the demo
 * estate is generated afresh each time (its history ends when it starts), so what an earlier demo
 * stored would describe another world — findings of records that no longer drift, and propagation
 * events an hour or more away from the new ones, which read as SLA breaches. Only the demo's own
 * Postgres database, ClickHouse database and Redis queue prefix are touched, on whichever servers
 * DATABASE_URL, CLICKHOUSE_URL and REDIS_URL name. Prints the environment that points Driftwatch at
 * them, for demo.sh to eval.
 */
const NAME = 'driftwatch_demo';

function resetPostgres(databaseUrl: string): Promise<string> {
  // Dropped and created from the server's maintenance database.
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  return recreateDatabase(admin.toString(), NAME);
}

async function resetClickHouse(): Promise<void> {
  // Connected to `default`: the demo database is dropped here and made again by the migrations at boot.
  const clickhouse = ClickHouseService.fromConfig(
    new ConfigService({ ...process.env, CLICKHOUSE_DATABASE: 'default' }),
  );
  try {
    await clickhouse.command(raw(`DROP DATABASE IF EXISTS ${NAME}`), { tag: 'demo.reset' });
  } finally {
    await clickhouse.onModuleDestroy();
  }
}

/** Queued jobs of an earlier demo and its open event windows (keys under QUEUE_PREFIX). */
async function resetRedis(url: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5000 });
  try {
    for (const pattern of [`${NAME}:*`, `driftwatch:snapshot-event-window:${NAME}:*`]) {
      for await (const keys of redis.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await redis.del(...keys);
      }
    }
  } finally {
    redis.disconnect();
  }
}

const quoted = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<void> {
  const config = new ConfigService();
  const databaseUrl = await resetPostgres(config.get('DATABASE_URL'));
  await resetClickHouse();
  await resetRedis(config.get('REDIS_URL'));
  const env = { DATABASE_URL: databaseUrl, CLICKHOUSE_DATABASE: NAME, QUEUE_PREFIX: NAME };
  for (const [name, value] of Object.entries(env)) process.stdout.write(`export ${name}=${quoted(value)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[demo] could not empty the demo's stores: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
