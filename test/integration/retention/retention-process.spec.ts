/**
 * The retention pass as it runs in production: the built backend's scheduler enqueues it on
 * RETENTION_SCHEDULE, a worker applies it to the real ClickHouse database and audits it in Postgres.
 */
import Bull from 'bull';
import { Client } from 'pg';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { ident, raw, sql } from '../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../backend/src/config/config.service';
import { startBackend, type RunningBackend } from '../../e2e/support/backend-process';
import { clickhouseUrl, isolatedPostgres, testDatabaseName } from '../support/test-services';
import { startPrivateRedis, type PrivateRedis } from '../workers/support/private-redis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('retention pass in the running backend (scheduler → Bull → worker)', () => {
  let redis: PrivateRedis;
  let postgres: { url: string; drop(): Promise<void> };
  let backend: RunningBackend | undefined;
  let clickhouse: ClickHouseService;
  const database = testDatabaseName();

  beforeAll(async () => {
    redis = await startPrivateRedis();
    postgres = await isolatedPostgres();
    const env = {
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: clickhouseUrl(),
      CLICKHOUSE_DATABASE: database,
      REDIS_URL: redis.url,
      DRIFTWATCH_ROLE: 'all',
      SNAPSHOT_SCHEDULES: '',
      RECONCILIATION_SCHEDULE: '',
      ALERTS_STATUS_SCHEDULE: '',
      RETENTION_SCHEDULE: '*/2 * * * * *',
      FINDINGS_HISTORY_RETENTION_DAYS: '35',
      LOG_LEVEL: 'info',
    };
    backend = await startBackend(env);
    clickhouse = ClickHouseService.fromConfig(new ConfigService({ ...process.env, ...env }));
  }, 120_000);

  afterAll(async () => {
    await backend?.stop();
    await clickhouse?.command(sql`DROP DATABASE IF EXISTS ${ident(database)}`, { tag: 'test.drop' });
    await clickhouse?.onModuleDestroy();
    await postgres?.drop();
    await redis?.stop();
  });

  it('drops a findings-history month past its retention and audits it', async () => {
    await clickhouse.command(
      raw(`INSERT INTO findings_history (run_id, rule_id, found_at) VALUES
        ('r-old', 'customer.presence', toDateTime('2024-03-01 00:00:00')),
        ('r-new', 'customer.presence', now())`),
      { tag: 'test.history' },
    );
    const pg = new Client({ connectionString: postgres.url });
    await pg.connect();
    try {
      const deadline = Date.now() + 60_000;
      let entries: { actor: string; after: { tables: { table: string; dropped: { partitionId: string }[] }[] } }[] = [];
      while (Date.now() < deadline) {
        entries = (await pg.query(`SELECT actor, after FROM audit_log WHERE action = 'retention.drop'`)).rows;
        if (entries.length > 0) break;
        await sleep(500);
      }
      expect(entries).toHaveLength(1);
      expect(entries[0].actor).toBe('system:retention');
      const history = entries[0].after.tables.find((t) => t.table === 'findings_history');
      expect(history?.dropped.map((p) => p.partitionId)).toEqual(['202403']);
    } finally {
      await pg.end();
    }
    const left = await clickhouse.query<{ run_id: string }>(sql`SELECT run_id FROM findings_history`, {
      tag: 'test.history.left',
    });
    expect(left.map((r) => r.run_id)).toEqual(['r-new']);

    // Every slot became one job and none failed.
    const queue = new Bull('retention', redis.url, { prefix: 'driftwatch' });
    try {
      const jobs = await queue.getJobs(['completed', 'failed']);
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.filter((job) => job.failedReason).map((job) => job.failedReason)).toEqual([]);
    } finally {
      await queue.close();
    }
    expect(backend?.output()).toContain('retention pass scheduled');
  }, 90_000);
});
