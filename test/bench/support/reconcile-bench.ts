/**
 * What the reconciliation benches share: their own ClickHouse and Postgres databases (recreated,
 * migrated), a ReconciliationService over them for any rules directory, and the timing helpers.
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { raw } from '../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../backend/src/config/config.service';
import { dataSourceOptions } from '../../../backend/src/database/data-source';
import { recreateDatabase } from '../../../backend/src/database/recreate-database';
import { runSchemaMigrations } from '../../../backend/src/database/schema-migrations';
import { type RuleOutcome } from '../../../backend/src/modules/reconciliation/reconciliation-runs.repository';
import { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { ensureServices } from './bench-services';
import { reconciliationServicesOver } from '../../integration/support/reconciliation-services';

export interface ReconcileBench {
  clickhouse: ClickHouseService;
  dataSource: DataSource;
  pg: Client;
  /** Settings of the bench's own statements (generation, baselines). */
  opts: { tag: string; settings: { max_execution_time: number } };
  serviceFor(rulesDir: string): ReconciliationService;
  close(): Promise<void>;
}

/** Recreates and migrates the bench's databases (both `dw_bench_<name>`), kept afterwards for inspection. */
export async function openReconcileBench(name: string): Promise<ReconcileBench> {
  const services = ensureServices();
  const database = `dw_bench_${name.replace(/-/g, '_')}`;
  const pgUrl = await recreateDatabase(services.DATABASE_URL, database);
  const env = {
    ...process.env,
    DATABASE_URL: pgUrl,
    CLICKHOUSE_URL: services.CLICKHOUSE_URL,
    CLICKHOUSE_DATABASE: database,
    LOG_LEVEL: 'warn',
  };
  const admin = ClickHouseService.fromConfig(new ConfigService({ ...env, CLICKHOUSE_DATABASE: 'default' }));
  await admin.command(raw(`DROP DATABASE IF EXISTS ${database}`), { tag: 'bench.drop' });
  await admin.onModuleDestroy();
  await runSchemaMigrations(new ConfigService(env));
  const clickhouse = ClickHouseService.fromConfig(new ConfigService(env));
  const dataSource = new DataSource(dataSourceOptions(pgUrl));
  await dataSource.initialize();
  const pg = new Client({ connectionString: pgUrl });
  await pg.connect();
  return {
    clickhouse,
    dataSource,
    pg,
    opts: { tag: `bench.${name}`, settings: { max_execution_time: 3600 } },
    serviceFor(rulesDir) {
      const config = new ConfigService({ ...env, RECONCILIATION_RULES_DIR: rulesDir });
      return reconciliationServicesOver(config, clickhouse, dataSource).service;
    },
    async close() {
      await pg.end();
      await dataSource.destroy();
      await clickhouse.onModuleDestroy();
    },
  };
}

export function complete<T extends { status: string; runId: string }>(run: T): T {
  if (run.status !== 'complete') throw new Error(`run ${run.runId} ended ${run.status}; see reconciliation_runs.error`);
  return run;
}

export async function seconds<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - start) / 1e9, result];
}

/** The median of three timings of a baseline (one run of it varied 1.8–2.9 s on a quiet machine). */
export async function medianSeconds<T>(work: () => Promise<T>): Promise<[number, T]> {
  const runs: [number, T][] = [];
  for (let i = 0; i < 3; i++) runs.push(await seconds(work));
  runs.sort((x, y) => x[0] - y[0]);
  return runs[1];
}

/**
 * Seconds ClickHouse spent evaluating a run's rules (each query once: fused rules share theirs), out of
 * the run's wall time; the rest is mostly the Postgres merges. Timed while earlier rules' merges ran
 * beside the queries on the same two cores.
 */
export function clickhouseSeconds(ruleCounts: Record<string, RuleOutcome>): number {
  const units = new Map<string, number>();
  for (const [id, outcome] of Object.entries(ruleCounts)) {
    if (outcome.queryMs === undefined) continue;
    units.set([id, ...(outcome.fusedWith ?? [])].sort().join(','), outcome.queryMs);
  }
  return [...units.values()].reduce((sum, ms) => sum + ms, 0) / 1000;
}

/** Seconds a run spent merging its rules' findings into Postgres. */
export function mergeSeconds(ruleCounts: Record<string, RuleOutcome>): number {
  return Object.values(ruleCounts).reduce((sum, outcome) => sum + (outcome.mergeMs ?? 0), 0) / 1000;
}

/** Every figure is timed once ClickHouse has merged the generated parts: a merge competes for the cores. */
export async function waitForMerges(clickhouse: ClickHouseService): Promise<void> {
  for (let waited = 0; waited < 600; waited++) {
    const [row] = await clickhouse.query<{ n: string }>(raw('SELECT count() AS n FROM system.merges'), {
      tag: 'bench.merges',
    });
    if (Number(row?.n ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error('ClickHouse background merges did not finish within 10 minutes');
}
