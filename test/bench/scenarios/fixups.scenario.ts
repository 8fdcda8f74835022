import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { ConfigService } from '../../../backend/src/config/config.service';
import { Secret } from '../../../backend/src/connectors/config/secret';
import { SalesforceConnector } from '../../../backend/src/connectors/salesforce/salesforce.connector';
import { dataSourceOptions } from '../../../backend/src/database/data-source';
import { recreateDatabase } from '../../../backend/src/database/recreate-database';
import { runSchemaMigrations } from '../../../backend/src/database/schema-migrations';
import { CorrectiveSyncProcessor } from '../../../backend/src/modules/fixups/corrective-sync.processor';
import { CorrectiveSyncQueues } from '../../../backend/src/modules/fixups/corrective-sync-queues';
import { CorrectiveSyncService } from '../../../backend/src/modules/fixups/corrective-sync.service';
import { baseKeyOf } from '../../../backend/src/modules/fixups/fixup-changes';
import { StaticFixupTargets } from '../../../backend/src/modules/fixups/fixup-connectors';
import type { NewFixupTask } from '../../../backend/src/modules/fixups/fixup-task';
import { FixupsMetrics } from '../../../backend/src/modules/fixups/fixups.metrics';
import { FixupsRepository } from '../../../backend/src/modules/fixups/fixups.repository';
import { fixupsSettingsFrom } from '../../../backend/src/modules/fixups/fixups-settings';
import { FixupsSweeper } from '../../../backend/src/modules/fixups/fixups-sweeper';
import { WriteRateLimiter } from '../../../backend/src/modules/fixups/write-rate-limiter';
import type { BenchScenario } from '../bench-scenario';
import { dropBenchDatabases, ensureServices, startEstateProcess, type EstateProcess } from '../support/bench-services';

/**
 * Corrective sync against the CRM simulator (Salesforce API, own process): N field fixes through the
 * real pipeline (Postgres tasks, compare-and-set claims, one Bull job per task on
 * `corrective-sync:<connector>`, batched composite writes, read-after-write verification).
 * Baseline in the same run: the same connector applying fixes one at a time, no queue. Also in the
 * same run, the connector's own ceiling: one `applyMany` over `--ceiling` fixes plus one read-back, no
 * Postgres, no Bull (what the estate and the composite API give at best on this machine now).
 * The rate-limited run's adherence is measured from the estate's own write times (each written
 * Account's SystemModstamp, ms precision), in every sliding one-second window.
 *   npm run bench -- fixups [--fixes 10000] [--rate 50] [--rate-fixes 500] [--baseline 300] [--ceiling 2000]
 */
export const fixupsScenario: BenchScenario = {
  name: 'fixups',
  description: 'corrective sync fixes/s to the CRM simulator (composite API), rate-limit adherence, duplicate writes',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        fixes: { type: 'string', default: '10000' },
        rate: { type: 'string', default: '50' },
        'rate-fixes': { type: 'string', default: '500' },
        baseline: { type: 'string', default: '300' },
        ceiling: { type: 'string', default: '2000' },
      },
    });
    const fixes = Number(values.fixes);
    const rate = Number(values.rate);
    const rateFixes = Number(values['rate-fixes']);
    const baselineFixes = Number(values.baseline);
    const ceilingFixes = Number(values.ceiling);
    const services = ensureServices();
    const suffix = randomBytes(4).toString('hex');
    const env = {
      ...process.env,
      ...services,
      DATABASE_URL: await recreateDatabase(services.DATABASE_URL, `dw_bench_fixups_${suffix}`),
      CLICKHOUSE_DATABASE: `dw_bench_fixups_${suffix}`,
      LOG_LEVEL: 'warn',
    };
    await runSchemaMigrations(new ConfigService(env));
    const estate = await startEstateProcess(fixes + rateFixes + baselineFixes + ceilingFixes);
    const dataSource = new DataSource(dataSourceOptions(env.DATABASE_URL));
    await dataSource.initialize();
    try {
      const accounts = await accountsOf(connector(estate, 'crm'), fixes + rateFixes + baselineFixes + ceilingFixes);
      const figures: Record<string, number> = { fixes };

      // Baseline: one apply call per fix, one after the other.
      const base = connector(estate, 'crm');
      const baseStarted = performance.now();
      for (const [i, a] of accounts.slice(0, baselineFixes).entries()) {
        await base.apply(
          {
            entity: 'customer',
            sourceKey: a.key,
            changes: [{ field: 'billingAddress.city', expectedOld: a.city, newValue: `Base ${i}` }],
          },
          `baseline-${i}`,
        );
      }
      figures.baseline_one_at_a_time_fixes_per_s = round(baselineFixes / ((performance.now() - baseStarted) / 1000));

      // Ceiling: the connector alone, one bulk write and one read-back.
      const bulk = accounts.slice(baselineFixes + fixes + rateFixes);
      const ceilingStarted = performance.now();
      const applied = await base.applyMany(
        bulk.map((a, i) => ({
          change: {
            entity: 'customer',
            sourceKey: a.key,
            changes: [{ field: 'billingAddress.city', expectedOld: a.city, newValue: `Bulk ${i}` }],
          },
          idempotencyKey: `ceiling-${i}`,
        })),
      );
      await base.read(
        'customer',
        bulk.map((a) => a.key),
      );
      if (applied.some((r) => r.outcome !== 'applied')) throw new Error('ceiling: a bulk write was not applied');
      figures.connector_ceiling_fixes_per_s = round(ceilingFixes / ((performance.now() - ceilingStarted) / 1000));

      const unlimited = await runPipeline(
        dataSource,
        env,
        estate,
        accounts.slice(baselineFixes, baselineFixes + fixes),
        0,
      );
      figures.fixes_per_s = round(fixes / unlimited.seconds);
      figures.fixes_done = unlimited.done;
      figures.worker_cpu_ms_per_1000_fixes = round((unlimited.workerCpuMs / fixes) * 1000);
      if (unlimited.estateCpuMs !== null)
        figures.estate_cpu_ms_per_1000_fixes = round((unlimited.estateCpuMs / fixes) * 1000);
      figures.ratio_vs_baseline = round(figures.fixes_per_s / figures.baseline_one_at_a_time_fixes_per_s);
      figures.ratio_vs_connector_ceiling = round(figures.fixes_per_s / figures.connector_ceiling_fixes_per_s);

      const limitedAccounts = accounts.slice(baselineFixes + fixes, baselineFixes + fixes + rateFixes);
      const limited = await runPipeline(dataSource, env, estate, limitedAccounts, rate);
      figures.rate_limit_configured_per_s = rate;
      figures.rate_limit_max_observed_per_s = await maxWritesPerSecondAtEstate(
        base,
        limitedAccounts.map((a) => a.key),
        limited.startedAt,
      );
      figures.rate_limited_fixes_per_s = round(rateFixes / limited.seconds);

      const writes = (await (await fetch(`${estate.crm.baseUrl}/__admin/stats`)).json()) as {
        writesByKey: Record<string, number>;
      };
      figures.duplicate_writes = Object.values(writes.writesByKey).reduce((sum, n) => sum + Math.max(0, n - 1), 0);
      figures.records_written = Object.keys(writes.writesByKey).length;
      return figures;
    } finally {
      await dataSource.destroy();
      await estate.stop();
      await dropBenchDatabases(services, `dw_bench_fixups_${suffix}`);
    }
  },
};

const round = (n: number) => Math.round(n * 10) / 10;

function connector(estate: EstateProcess, id: string): SalesforceConnector {
  return new SalesforceConnector({
    id,
    kind: 'salesforce',
    baseUrl: estate.crm.baseUrl,
    auth: {
      type: 'oauth2-client-credentials',
      tokenUrl: estate.crm.tokenUrl,
      clientId: estate.crm.clientId,
      clientSecret: new Secret(estate.crm.clientSecret, 'bench'),
    },
    pageSize: 2000,
    timeoutMs: 60_000,
    rateLimit: { maxConcurrent: 8, perSecond: 10_000 },
    settings: {},
  });
}

async function accountsOf(c: SalesforceConnector, n: number): Promise<{ key: string; city: string; number: string }[]> {
  const out: { key: string; city: string; number: string }[] = [];
  for await (const batch of c.extract('customer', { mode: 'full' })) {
    for (const r of batch.records)
      out.push({ key: r.sourceKey, city: r.fields.billingAddress.city, number: r.fields.customerNumber });
    if (out.length >= n) break;
  }
  if (out.length < n) throw new Error(`the estate has ${out.length} accounts, ${n} needed`);
  return out.slice(0, n);
}

/** Creates one queued task per account (billing city), runs a worker until all are done; times it. */
async function runPipeline(
  dataSource: DataSource,
  env: Record<string, string | undefined>,
  estate: EstateProcess,
  accounts: { key: string; city: string; number: string }[],
  rate: number,
): Promise<{ seconds: number; done: number; startedAt: number; workerCpuMs: number; estateCpuMs: number | null }> {
  const target = `crm-bench-${randomBytes(3).toString('hex')}`;
  const settings = fixupsSettingsFrom(
    new ConfigService({
      ...env,
      FIXUPS_RATE_LIMITS: rate > 0 ? `${target}=${rate}` : '',
      FIXUPS_SWEEP_INTERVAL_MS: '0',
    }),
  );
  const runId = randomUUID();
  await dataSource.query(
    `INSERT INTO reconciliation_runs (id, trigger, status, scope, finished_at) VALUES ($1, 'api', 'complete', '{}', now())`,
    [runId],
  );
  const findingIds = accounts.map(() => randomBytes(16).toString('hex'));
  await dataSource.query(
    `INSERT INTO findings (id, rule_id, rule_version, entity, match_key, field, kind, owner_system, expected_value,
       actual_system, actual_value, severity, domain, status, first_seen_at, last_seen_at, first_run_id, last_run_id)
     SELECT u.id, 'customer.billing-address-match', 1, 'customer', u.k, 'billing_address_city', 'mismatch', 'erp', u.v,
       $4, u.o, 'medium', 'customer', 'new', now(), now(), $5, $5
     FROM unnest($1::text[], $2::text[], $3::text[], $6::text[]) AS u(id, k, v, o)`,
    [
      findingIds,
      accounts.map((a) => a.number),
      accounts.map((_, i) => `Fixed ${target} ${i}`),
      target,
      runId,
      accounts.map((a) => a.city),
    ],
  );
  const repo = new FixupsRepository(dataSource);
  const drafts: NewFixupTask[] = accounts.map((a, i) => {
    const changes = [
      {
        field: 'billingAddress.city',
        column: 'billing_address_city',
        expectedOld: a.city,
        newValue: `Fixed ${target} ${i}`,
      },
    ];
    return {
      findingId: findingIds[i],
      ruleId: 'customer.billing-address-match',
      ruleKind: 'field_match',
      findingKind: 'mismatch',
      entity: 'customer',
      matchKey: a.number,
      targetSystem: target,
      sourceKey: a.key,
      changes,
      policy: 'auto',
      state: 'approved',
      stateReason: null,
      baseKey: baseKeyOf(findingIds[i], target, changes),
      createdRunId: runId,
    };
  });
  const ids: string[] = [];
  for (let i = 0; i < drafts.length; i += 2000)
    ids.push(...(await repo.insertMany(drafts.slice(i, i + 2000), 'bench')).map((t) => t.id));
  const queues = new CorrectiveSyncQueues(settings);
  const targets = new StaticFixupTargets([connector(estate, target)]);
  const metrics = new FixupsMetrics();
  const limiter = new WriteRateLimiter(settings);
  const sync = new CorrectiveSyncService(repo, targets, settings, metrics, limiter);
  const processor = new CorrectiveSyncProcessor(
    queues,
    sync,
    new FixupsSweeper(repo, queues, metrics),
    targets,
    settings,
  );
  try {
    const startedAt = Date.now();
    const started = performance.now();
    const workerCpu = process.cpuUsage();
    const estateCpu = processCpuMs(estate.child.pid);
    const queued = await repo.transition({ ids, from: ['approved'], to: 'queued', actor: 'bench' });
    await queues.enqueue(await repo.findMany(queued.map((q) => q.id)));
    processor.onApplicationBootstrap();
    let done = 0;
    for (;;) {
      const [row] = await dataSource.query(
        `SELECT count(*) FILTER (WHERE state IN ('done', 'conflict', 'failed', 'dead_lettered', 'needs_review'))::int AS finished,
                count(*) FILTER (WHERE state = 'done')::int AS done
         FROM fix_tasks WHERE created_run_id = $1`,
        [runId],
      );
      done = row.done;
      if (row.finished >= ids.length) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(workerCpu);
    const estateNow = processCpuMs(estate.child.pid);
    return {
      seconds,
      done,
      startedAt,
      workerCpuMs: (cpu.user + cpu.system) / 1000,
      estateCpuMs: estateCpu === null || estateNow === null ? null : estateNow - estateCpu,
    };
  } finally {
    processor.onApplicationShutdown();
    await queues.onModuleDestroy();
    await limiter.onModuleDestroy();
  }
}

/**
 * CPU time (user + system) a process and its descendants used so far (the estate runs under tsx, which
 * starts node as a child), from Linux's /proc; null elsewhere. On a machine shared with other work,
 * CPU per fix is the steadier figure: wall-clock throughput follows the share of the cores a process gets.
 */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stats = new Map<number, { ppid: number; ticks: number }>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // After the command name: state, ppid, ... utime and stime are the 12th and 13th fields.
        const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
        stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // the process ended meanwhile
      }
    }
    const tree = new Set([pid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [p, s] of stats)
        if (!tree.has(p) && tree.has(s.ppid)) {
          tree.add(p);
          grew = true;
        }
    }
    // Clock ticks are 100 per second on Linux.
    return [...tree].reduce((sum, p) => sum + (stats.get(p)?.ticks ?? 0), 0) * 10;
  } catch {
    return null;
  }
}

/**
 * The most writes the estate itself recorded in any sliding one-second window: the write times are the
 * Accounts' SystemModstamp (set by the estate when it writes, ms precision) of the records written since
 * `since`.
 */
async function maxWritesPerSecondAtEstate(c: SalesforceConnector, keys: string[], since: number): Promise<number> {
  const ms = (await c.read('customer', keys))
    .map((r) => r.sourceUpdatedAt?.getTime() ?? 0)
    .filter((t) => t >= since)
    .sort((a, b) => a - b);
  let max = 0;
  for (let lo = 0, hi = 0; hi < ms.length; hi++) {
    while (ms[hi] - ms[lo] >= 1000) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}
