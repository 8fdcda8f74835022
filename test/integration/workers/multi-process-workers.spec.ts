/**
 * Driftwatch scaled out as in infra/docker-compose.cluster.yml: one api, two schedulers and two workers,
 * each a real process of the built backend, sharing Postgres, ClickHouse and Redis, snapshotting the
 * demo estate's CRM over HTTP.
 */
import { startEstate, type RunningEstate } from '@driftwatch/demo-estate';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Bull from 'bull';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { ident, sql } from '../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../backend/src/config/config.service';
import { dataSourceOptions } from '../../../backend/src/database/data-source';
import { ROOT, startBackend, type RunningBackend } from '../../e2e/support/backend-process';
import {
  crmCityFindings,
  crmConnector,
  seedRun,
  setFaults,
  taskStates,
  writesByKey,
} from '../fixups/support/fixups-harness';
import { crmConnectorsFile, type ConnectorsFile } from '../support/estate-connectors-file';
import { clickhouseUrl, isolatedPostgres, testDatabaseName } from '../support/test-services';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis';

const CUSTOMERS = 120;
const SLOTS_WANTED = 4;
const FIXES = 24;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms; last: ${JSON.stringify(value)}`);
    await sleep(250);
  }
}

/** Distinct matches of `pattern`'s first group in a process's log. */
const logged = (process: RunningBackend, pattern: RegExp): string[] => [
  ...new Set([...process.output().matchAll(pattern)].map((m) => m[1])),
];

interface SnapshotRunRow {
  id: string;
  job_id: string | null;
  status: string;
  trigger: string;
  attempt: number;
  rows_written: string;
}
interface ReconciliationRunRow {
  id: string;
  trigger: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
}

describe('api, two schedulers and two workers as separate processes', () => {
  let redis: PrivateRedis;
  let postgres: { url: string; drop(): Promise<void> };
  let pg: Client;
  let clickhouse: ClickHouseService;
  let estate: RunningEstate;
  let connectors: ConnectorsFile | undefined;
  let env: Record<string, string>;
  let api: RunningBackend;
  let workers: RunningBackend[] = [];
  const running: RunningBackend[] = [];
  const database = testDatabaseName();

  beforeAll(async () => {
    redis = await startPrivateRedis();
    postgres = await isolatedPostgres();
    estate = await startEstate({ customers: CUSTOMERS, seed: 11, systems: ['crm'] });
    connectors = crmConnectorsFile(estate, 'dw-workers-');
    env = {
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: clickhouseUrl(),
      CLICKHOUSE_DATABASE: database,
      REDIS_URL: redis.url,
      DRIFTWATCH_CONNECTORS_FILE: connectors.path,
      ...connectors.env,
      SNAPSHOT_SCHEDULES: '',
      RECONCILIATION_SCHEDULE: '',
      RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS: '0',
      SNAPSHOT_DEFAULT_CONNECTOR_CONCURRENCY: '4',
      SNAPSHOT_WORKER_CONCURRENCY: '1',
      // Small corrective-sync batches, so that both workers take fix-up jobs.
      FIXUPS_CONCURRENCY: '2',
      FIXUPS_BATCH_MAX: '2',
      LOG_LEVEL: 'info',
    };
    // Started together: each migrates at boot, serialised by the advisory lock, so the schema is built once.
    workers = await Promise.all([
      startBackend({ ...env, DRIFTWATCH_ROLE: 'worker' }),
      startBackend({ ...env, DRIFTWATCH_ROLE: 'worker' }),
    ]);
    running.push(...workers);
    api = await startBackend({ ...env, DRIFTWATCH_ROLE: 'api' });
    running.push(api);
    pg = new Client({ connectionString: postgres.url });
    await pg.connect();
    clickhouse = ClickHouseService.fromConfig(new ConfigService({ ...env }));
  }, 180_000);

  afterAll(async () => {
    for (const process of running.reverse()) await process.stop();
    await pg?.end();
    if (clickhouse) {
      await clickhouse.command(sql`DROP DATABASE IF EXISTS ${ident(database)}`, { tag: 'test.drop' });
      await clickhouse.onModuleDestroy();
    }
    await postgres?.drop();
    await estate?.stop();
    await redis?.stop();
    connectors?.remove();
  }, 120_000);

  const snapshotRuns = async () =>
    (await pg.query<SnapshotRunRow>(`SELECT id, job_id, status, trigger, attempt, rows_written FROM snapshot_runs`))
      .rows;

  it('two schedulers enqueue each slot once; each slot is one snapshot on one worker; both workers take jobs', async () => {
    const schedule = { ...env, SNAPSHOT_SCHEDULES: 'crm:customer:full=* * * * * *', LOG_LEVEL: 'debug' };
    const schedulers = await Promise.all([
      startBackend({ ...schedule, DRIFTWATCH_ROLE: 'scheduler' }),
      startBackend({ ...schedule, DRIFTWATCH_ROLE: 'scheduler' }),
    ]);
    running.push(...schedulers);
    const slotPattern = /enqueued (snapshot:crm:customer:full:[0-9T:.Z-]+)/g;
    // Both schedulers fire the same second-slots (each tick enqueues with the slot's job id).
    await poll(
      'slots fired by both schedulers',
      async () => {
        const [a, b] = schedulers.map((s) => logged(s, slotPattern));
        return a.filter((slot) => b.includes(slot)).length;
      },
      (common) => common >= SLOTS_WANTED,
    );
    // Stopped once only: a second stop() of an exited backend would wait for an exit that never comes.
    for (const scheduler of schedulers) {
      await scheduler.stop();
      running.splice(running.indexOf(scheduler), 1);
    }
    const fired = [...new Set(schedulers.flatMap((s) => logged(s, slotPattern)))].sort();
    const firedByBoth = fired.filter((slot) => schedulers.every((s) => logged(s, slotPattern).includes(slot)));
    expect(firedByBoth.length).toBeGreaterThanOrEqual(SLOTS_WANTED);

    const runs = await poll(
      'a finished snapshot run for every fired slot',
      snapshotRuns,
      (rows) => rows.length >= fired.length && rows.every((r) => ['complete', 'partial', 'failed'].includes(r.status)),
    );
    // One run per slot: no slot twice, no run outside the fired slots, each complete at its first attempt.
    expect(runs.map((r) => r.job_id).sort()).toEqual(fired);
    expect(runs.map((r) => [r.status, r.trigger, r.attempt])).toEqual(runs.map(() => ['complete', 'schedule', 1]));

    // Each run was executed by exactly one worker, and both workers took some.
    // A run is recorded complete just before its worker logs it: wait for the log lines.
    const completed = /snapshot ([0-9a-f-]{36}) crm\/customer full complete/g;
    const byWorker = await poll(
      'completion logged by a worker for every run',
      async () => workers.map((w) => logged(w, completed)),
      (ids) => ids[0].length + ids[1].length >= runs.length,
      10_000,
    );
    expect(byWorker[0].filter((id) => byWorker[1].includes(id))).toEqual([]);
    expect([...byWorker[0], ...byWorker[1]].sort()).toEqual(runs.map((r) => r.id).sort());
    expect(byWorker.map((ids) => ids.length > 0)).toEqual([true, true]);

    // ClickHouse holds each run's rows once: as many rows as the run recorded, one per customer.
    const stored = await clickhouse.query<{ snapshot_id: string; n: string; keys: string }>(
      sql`SELECT snapshot_id, count() AS n, uniqExact(entity_key) AS keys FROM snapshot_customer
          WHERE system = 'crm' GROUP BY snapshot_id ORDER BY snapshot_id`,
      { tag: 'test.snapshot-rows' },
    );
    expect(stored.map((s) => s.snapshot_id)).toEqual(runs.map((r) => r.id).sort());
    for (const run of runs) {
      const rows = stored.find((s) => s.snapshot_id === run.id)!;
      expect({ run: run.id, n: Number(rows.n), keys: Number(rows.keys) }).toEqual({
        run: run.id,
        n: Number(run.rows_written),
        keys: Number(run.rows_written),
      });
      expect(Number(run.rows_written)).toBeGreaterThanOrEqual(CUSTOMERS * 0.9);
    }
  }, 240_000);

  it('reconciliation runs queued together run on both workers and never overlap', async () => {
    const key = await createAdminKey(env);
    const before = (await pg.query<{ n: string }>(`SELECT count(*) AS n FROM reconciliation_runs`)).rows[0].n;
    const requested = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const response = await fetch(`${api.url}/api/v1/reconciliation/runs`, {
          method: 'POST',
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body: '{}',
        });
        expect(response.status).toBe(202);
        return response;
      }),
    );
    expect(requested).toHaveLength(4);
    const runs = await poll(
      'four API runs finished',
      async () =>
        (
          await pg.query<ReconciliationRunRow>(
            `SELECT id, trigger, status, started_at, finished_at FROM reconciliation_runs ORDER BY started_at, id`,
          )
        ).rows,
      (rows) =>
        rows.filter((r) => r.trigger === 'api' && r.finished_at).length >= 4 && rows.every((r) => r.finished_at),
    );
    expect(runs.length).toBeGreaterThanOrEqual(Number(before) + 4);
    expect(runs.every((r) => r.status === 'complete')).toBe(true);
    // Every run (API and after-snapshot ones alike) starts after the previous one finished.
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i].started_at.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finished_at!.getTime());
    }
    // Both workers ran some, so they did compete for the runs (the lock, not luck, kept them apart).
    const byWorker = await poll(
      'completion logged by a worker for every run',
      async () => workers.map((w) => logged(w, /run ([0-9a-f-]{36}) complete:/g)),
      (ids) => ids[0].length + ids[1].length >= runs.length,
      10_000,
    );
    expect(byWorker[0].filter((id) => byWorker[1].includes(id))).toEqual([]);
    expect([...byWorker[0], ...byWorker[1]].sort()).toEqual(runs.map((r) => r.id).sort());
    expect(byWorker.map((ids) => ids.length > 0)).toEqual([true, true]);
  }, 240_000);

  it('fix-ups planned and applied by two workers write each fix once to the target system', async () => {
    const dataSource = new DataSource(dataSourceOptions(postgres.url));
    await dataSource.initialize();
    const connector = crmConnector(estate);
    const planning = new Bull('fixups', redis.url, { prefix: 'driftwatch' });
    try {
      const findings = await crmCityFindings(connector, FIXES);
      const { runId } = await seedRun(dataSource, findings);
      const writesBefore = await writesByKey(estate.crm.baseUrl);
      // Every CRM call takes a while, so jobs are in flight on both workers at once.
      await setFaults(estate.crm.baseUrl, { slowRate: 1, slowMs: 150 });
      // What the worker that finished a reconciliation run enqueues (FixupPlanningProcessor).
      await planning.add({ reconciliationRunId: runId }, { jobId: `fixups:${runId}` });
      await poll(
        'every fix-up task done',
        () => taskStates(dataSource, runId),
        (states) => states.done === FIXES,
      );
      await setFaults(estate.crm.baseUrl, {});
      expect(await taskStates(dataSource, runId)).toEqual({ done: FIXES });

      // The estate counts every write it received: one per fixed record, none anywhere else.
      const writes = await writesByKey(estate.crm.baseUrl);
      const added = Object.fromEntries(
        Object.entries(writes)
          .map(([key, n]) => [key, n - (writesBefore[key] ?? 0)] as const)
          .filter(([, n]) => n > 0),
      );
      expect(added).toEqual(Object.fromEntries(findings.map((f) => [`Account/${f.actualKey}`, 1])));

      // Each task was claimed by one worker; the two workers shared the tasks.
      const claims: { task_id: string; actors: string[] }[] = await dataSource.query(
        `SELECT e.task_id, array_agg(DISTINCT e.actor) AS actors FROM fix_task_events e
           JOIN fix_tasks t ON t.id = e.task_id
          WHERE t.created_run_id = $1 AND e.to_state = 'applying' GROUP BY e.task_id`,
        [runId],
      );
      expect(claims).toHaveLength(FIXES);
      expect(claims.filter((c) => c.actors.length !== 1)).toEqual([]);
      expect(new Set(claims.map((c) => c.actors[0])).size).toBe(2);
    } finally {
      await setFaults(estate.crm.baseUrl, {});
      await planning.close();
      await dataSource.destroy();
    }
  }, 240_000);

  it('each process shares two Redis connections among its queues; only blocking pops get one per queue', async () => {
    const probe = new Bull('connections-probe', redis.url, { prefix: 'probe' });
    try {
      await probe.client.client('SETNAME', 'test-probe');
      const list = String(await probe.client.client('LIST'));
      const names = list
        .split('\n')
        .filter(Boolean)
        .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
        .filter((name) => name !== 'test-probe');
      // Every connection says what it is for; Bull's own command and pub/sub connections were unnamed.
      expect(names.filter((name) => name === '')).toEqual([]);
      const limiters = names.filter((name) => /^(write-)?rate-limit:\d+$/.test(name));
      expect(new Set(limiters).size).toBe(limiters.length);
      const shared = names.filter((name) => name.startsWith('driftwatch:shared:'));
      const byProcess = new Map<string, string[]>();
      for (const name of shared) {
        const [, , pid, type] = name.split(':');
        byProcess.set(pid, [...(byProcess.get(pid) ?? []), type]);
      }
      // The api and both workers (the schedulers were stopped by the first test).
      expect(byProcess.size).toBe(running.length);
      for (const types of byProcess.values()) expect(new Set(types).size).toBe(types.length);
      for (const types of byProcess.values()) expect(types.length).toBeLessThanOrEqual(2);
      // Blocking connections: at most one per queue a worker processes (six queues and the CRM's corrective sync).
      const blocking = names.filter((name) => !shared.includes(name) && !limiters.includes(name));
      expect(blocking.every((name) => name.startsWith('driftwatch:'))).toBe(true);
      expect(blocking.length).toBeGreaterThan(0);
      expect(blocking.length).toBeLessThanOrEqual(workers.length * 7);
    } finally {
      await probe.close();
    }
  });
});

async function createAdminKey(env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'backend/dist/cli/create-admin-key.js'), '--name', 'workers-test'],
    { env: { ...process.env, ...env, RUN_MIGRATIONS: 'false', LOG_LEVEL: 'warn' } },
  );
  return stdout.trim();
}
