/**
 * api: the dashboard's two hot API calls with 5 million findings in Postgres (the current state and
 * lifecycle of every finding ever raised: ~85 % resolved over a year, the rest active or suppressed),
 * bulk-loaded with generate_series (rollup triggers off and secondary indexes dropped during the
 * load, then indexes recreated and the rollups rebuilt by DashboardRepository.rebuildRollups, the
 * same definitions the triggers keep). Then, through real HTTP on the real application (api role,
 * built backend in a child process, keep-alive clients):
 *  - overview: GET /api/v1/dashboard/overview (default 30 days; every 4th call with a system filter);
 *  - exceptions: GET /api/v1/findings with the exceptions page's usual filters (a status plus
 *    severity, rule, domain or system; default sort; every 5th call the next page by cursor).
 *    Not in this mix: those filters WITHOUT a status (read once per status from 0008's indexes and
 *    merged since migration 0011; test/integration/reconciliation/findings-list-statuses.spec.ts),
 *    and the lastSeenAt / firstSeenAt / occurrences sorts on large statuses (no index orders them: they
 *    sort in memory, seconds at 5M rows; the default sort, statusChangedAt, is the indexed one since
 *    migration 0016).
 * And, without HTTP, what alerting reads after a run of every rule (FindingGroupsRepository: counts
 * and examples per rule).
 * Baselines in the same run: the overview's aggregates computed straight from `findings` (what the
 * rollup replaces; SQL only, no HTTP, so the baseline is flattered), and the same exceptions
 * requests over HTTP after dropping the list indexes migration 0008 added, and alerting's earlier
 * reads (a count over every finding of the run's rules and a sort of each rule's active findings).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { raw } from '../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../backend/src/config/config.service';
import { dataSourceOptions } from '../../../backend/src/database/data-source';
import { recreateDatabase } from '../../../backend/src/database/recreate-database';
import { runSchemaMigrations } from '../../../backend/src/database/schema-migrations';
import { FindingGroupsRepository } from '../../../backend/src/modules/alerts/finding-groups.repository';
import { DashboardRepository } from '../../../backend/src/modules/dashboard/dashboard.repository';
import type { BenchFigures, BenchScenario } from '../bench-scenario';
import { buildBackend, ensureServices, ROOT } from '../support/bench-services';

// Rules of the default pack with their severity, domain, entity, field and kind.
const RULES: [string, string, string, string, string, string][] = [
  ['customer.legal-identity-match', 'high', 'customer', 'customer', 'legal_name', 'mismatch'],
  ['customer.billing-address-match', 'medium', 'customer', 'customer', 'billing_address_city', 'mismatch'],
  ['customer.contact-channels-match', 'low', 'customer', 'customer', 'phone', 'mismatch'],
  ['customer.presence', 'high', 'customer', 'customer', '', 'missing'],
  ['customer.duplicates', 'medium', 'customer', 'customer', '', 'duplicate_candidate'],
  ['customer.hierarchy', 'medium', 'customer', 'customer', 'parent', 'hierarchy_mismatch'],
  ['customer.parent-orphans', 'low', 'customer', 'customer', 'parent', 'orphan'],
  ['credit.terms-and-limit-match', 'high', 'credit', 'credit_profile', 'payment_terms', 'mismatch'],
  ['credit.hold-visibility', 'critical', 'credit', 'credit_profile', 'credit_hold', 'mismatch'],
  ['credit.profile-presence', 'high', 'credit', 'credit_profile', '', 'missing'],
  ['credit.open-order-exposure', 'medium', 'credit', 'customer', 'open_order_value', 'aggregate_mismatch'],
  ['order.status-match', 'medium', 'order', 'order', 'status', 'mismatch'],
  ['order.presence', 'high', 'order', 'order', '', 'missing'],
  ['order.customer-orphans', 'medium', 'order', 'order', 'customer_number', 'orphan'],
  ['order.status-propagation-sla', 'medium', 'order', 'order', 'status', 'sla_breach'],
  ['order.shipment-milestone-match', 'medium', 'order', 'shipment', 'milestone', 'mismatch'],
  ['order.shipment-milestone-sla', 'medium', 'order', 'shipment', 'milestone', 'sla_breach'],
  ['contact.fields-match', 'low', 'contact', 'contact', 'phone', 'mismatch'],
  ['contact.presence', 'low', 'contact', 'contact', '', 'missing'],
  ['contact.customer-orphans', 'low', 'contact', 'contact', 'customer_number', 'orphan'],
];
const SYSTEMS = ['crm', 'wms', 'support', 'erp'];
// Migration 0008's list indexes, rebuilt on status_changed_at by 0016.
const LIST_INDEXES = [
  'findings_status_changed_idx',
  'findings_rule_status_changed_idx',
  'findings_severity_status_changed_idx',
  'findings_domain_status_changed_idx',
  'findings_system_status_changed_idx',
];

const percentile = (samples: number[], q: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? NaN;
};
const p95 = (samples: number[]): number => percentile(samples, 0.95);
const round = (n: number) => Math.round(n * 10) / 10;

/** Runs `count` calls of `call(i)` with `concurrency` callers; returns each call's milliseconds. */
async function measure(count: number, concurrency: number, call: (i: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const started = performance.now();
        await call(i);
        samples.push(performance.now() - started);
      }
    }),
  );
  return samples;
}

async function loadFindings(pg: Client, n: number): Promise<void> {
  const indexes = await pg.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'findings' AND indexname <> 'findings_pkey'`,
  );
  for (const index of indexes.rows) await pg.query(`DROP INDEX ${index.indexname}`);
  await pg.query('ALTER TABLE findings DISABLE TRIGGER USER');
  const rules = RULES.map((r, i) => `(${i}, '${r[0]}', '${r[1]}', '${r[2]}', '${r[3]}', '${r[4]}', '${r[5]}')`).join(
    ', ',
  );
  const chunk = 500_000;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk) - 1;
    process.stderr.write(`  findings ${start.toLocaleString('en-US')}…${(end + 1).toLocaleString('en-US')}\n`);
    await pg.query(`
      INSERT INTO findings (id, rule_id, rule_version, entity, match_key, field, kind, owner_system, expected_value,
        actual_system, actual_value, details, score, severity, domain, status, occurrences, first_seen_at, last_seen_at,
        status_changed_at, resolved_at, first_run_id, last_run_id, updated_at)
      SELECT md5(i::text), r.rule_id, 1, r.entity, 'C' || (i % 1000003), r.field, r.kind, 'erp', 'expected ' || (i % 97),
        (ARRAY['${SYSTEMS.join("','")}'])[1 + (i / 7) % 4], 'actual ' || (i % 89), '{}'::jsonb, 1, r.severity, r.domain,
        s.status, 1 + i % 5, s.first_seen,
        CASE WHEN s.status = 'resolved' THEN greatest(s.first_seen, s.resolved - interval '1 hour')
             ELSE greatest(s.first_seen, now() - ((i * 13) % 172800) * interval '1 second') END,
        CASE WHEN s.status = 'resolved' THEN s.resolved
             ELSE greatest(s.first_seen, now() - ((i::bigint * 17) % 2592000) * interval '1 second') END,
        CASE WHEN s.status = 'resolved' THEN s.resolved END,
        '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', now()
      FROM generate_series(${start}, ${end}) AS i
      JOIN (VALUES ${rules}) AS r(n, rule_id, severity, domain, entity, field, kind) ON r.n = i % ${RULES.length}
      CROSS JOIN LATERAL (SELECT
        CASE WHEN i % 100 < 85 THEN 'resolved' WHEN i % 100 < 95 THEN 'open' WHEN i % 100 < 98 THEN 'new'
             WHEN i % 100 < 99 THEN 'reopened' ELSE 'suppressed' END AS status,
        now() - ((i::bigint * 7919) % 31536000) * interval '1 second' AS first_seen,
        least(now(), now() - ((i::bigint * 7919) % 31536000) * interval '1 second' + ((i * 31) % 864000) * interval '1 second') AS resolved
      ) s`);
  }
  await pg.query('ALTER TABLE findings ENABLE TRIGGER USER');
  process.stderr.write(`  recreating ${indexes.rows.length} indexes\n`);
  for (const index of indexes.rows) await pg.query(index.indexdef);
  await pg.query('ANALYZE findings');
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The built backend, api role, in a child process; resolves when /health/ready answers. */
async function startApi(
  env: Record<string, string>,
): Promise<{ base: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'backend/dist/main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      DRIFTWATCH_ROLE: 'api',
      PORT: String(port),
      HOST: '127.0.0.1',
      RUN_MIGRATIONS: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the API did not become ready within 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The overview's Postgres aggregates straight from `findings` (what the rollups replace). */
async function overviewFromFindings(pg: Client, from: Date, to: Date, systems: string[] | null): Promise<void> {
  const sys = systems ? 'AND actual_system = ANY($3::text[])' : '';
  const params = (extra: unknown[]) => (systems ? [...extra, systems] : extra);
  await Promise.all([
    pg.query(
      `SELECT rule_id, entity, actual_system, kind, severity, domain, count(*) FROM findings
       WHERE status IN ('new','open','reopened') ${systems ? 'AND actual_system = ANY($1::text[])' : ''} GROUP BY 1, 2, 3, 4, 5, 6`,
      systems ? [systems] : [],
    ),
    pg.query(
      `SELECT rule_id, count(*) FILTER (WHERE first_seen_at >= $1 AND first_seen_at < $2) AS opened,
         count(*) FILTER (WHERE resolved_at >= $1 AND resolved_at < $2) AS resolved,
         sum(extract(epoch FROM resolved_at - first_seen_at)) FILTER (WHERE resolved_at >= $1 AND resolved_at < $2) AS secs
       FROM findings WHERE (first_seen_at >= $1 AND first_seen_at < $2 OR resolved_at >= $1 AND resolved_at < $2) ${sys}
       GROUP BY rule_id`,
      params([from, to]),
    ),
  ]);
}

/**
 * What alerting read of a run before it used the rollup and the run's own counts: every finding of the
 * run's rules counted, and each rule's active findings sorted for examples (FindingGroupsRepository's
 * SQL until session 12).
 */
async function alertGroupsFromFindings(pg: Client, runId: string): Promise<void> {
  const { rows } = await pg.query<{ rule_ids: string[]; started_at: Date }>(
    `SELECT ARRAY(SELECT key FROM jsonb_each(rule_counts) WHERE value ->> 'status' = 'ran') AS rule_ids, started_at
       FROM reconciliation_runs WHERE id = $1 AND status = 'complete'`,
    [runId],
  );
  const run = rows[0];
  await pg.query(
    `SELECT r.rule_id,
            count(f.id) FILTER (WHERE f.status IN ('new', 'open', 'reopened')) AS open,
            count(f.id) FILTER (WHERE f.status IN ('new', 'reopened') AND f.last_run_id = $1) AS fresh,
            count(f.id) FILTER (WHERE f.status = 'resolved' AND f.resolved_at >= $2) AS resolved
       FROM unnest($3::text[]) AS r(rule_id)
       LEFT JOIN findings f ON f.rule_id = r.rule_id
      GROUP BY r.rule_id`,
    [runId, run.started_at, run.rule_ids],
  );
  await pg.query(
    `SELECT rule_id, match_key, field, actual_system, expected_value, actual_value FROM (
       SELECT f.*, row_number() OVER (PARTITION BY rule_id ORDER BY last_seen_at DESC, id) AS n
         FROM findings f WHERE rule_id = ANY($1::text[]) AND status IN ('new', 'open', 'reopened')
     ) ranked WHERE n <= 5`,
    [run.rule_ids],
  );
}

export const apiScenario: BenchScenario = {
  name: 'api',
  description: 'overview and exceptions API p95 over HTTP with 5M findings (rollups/indexes vs baseline)',
  async run(args: string[]): Promise<BenchFigures> {
    const { values } = parseArgs({
      args,
      options: {
        rows: { type: 'string' },
        requests: { type: 'string' },
        'baseline-requests': { type: 'string' },
        concurrency: { type: 'string' },
      },
    });
    const n = values.rows ? Number(values.rows) : 5_000_000;
    const requests = values.requests ? Number(values.requests) : 300;
    const baselineRequests = values['baseline-requests'] ? Number(values['baseline-requests']) : 40;
    const concurrency = values.concurrency ? Number(values.concurrency) : 2;
    for (const [name, v] of Object.entries({ rows: n, requests, baselineRequests, concurrency })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive whole number`);
    }
    const services = ensureServices();
    const pgUrl = await recreateDatabase(services.DATABASE_URL, 'dw_bench_api');
    const chDatabase = 'dw_bench_api';
    const env = {
      DATABASE_URL: pgUrl,
      CLICKHOUSE_URL: services.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: chDatabase,
      REDIS_URL: services.REDIS_URL,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      RECONCILIATION_SCHEDULE: '',
    };
    const config = new ConfigService({ ...process.env, ...env });
    const admin = ClickHouseService.fromConfig(
      new ConfigService({ ...process.env, ...env, CLICKHOUSE_DATABASE: 'default' }),
    );
    await admin.command(raw(`DROP DATABASE IF EXISTS ${chDatabase}`), { tag: 'bench.drop' });
    await admin.onModuleDestroy();
    process.stderr.write('building the backend …\n');
    buildBackend();
    await runSchemaMigrations(config);
    const pg = new Client({ connectionString: pgUrl });
    await pg.connect();
    const dataSource = new DataSource(dataSourceOptions(pgUrl));
    await dataSource.initialize();
    let api: Awaited<ReturnType<typeof startApi>> | undefined;
    try {
      const loadStart = performance.now();
      process.stderr.write(`loading ${n.toLocaleString('en-US')} findings into Postgres …\n`);
      await loadFindings(pg, n);
      await new DashboardRepository(dataSource).rebuildRollups();
      const loadSeconds = (performance.now() - loadStart) / 1000;
      // Record counts for drift rates: a complete full snapshot per system of each entity.
      const clickhouse = ClickHouseService.fromConfig(config);
      const now = Math.floor(Date.now() / 1000);
      await clickhouse.insert(
        raw('snapshot_catalog'),
        SYSTEMS.flatMap((system) =>
          ['customer', 'credit_profile', 'order', 'shipment', 'contact'].map((entity) => ({
            snapshot_id: `bench-${system}-${entity}`,
            system,
            entity,
            mode: 'full',
            row_count: 1_000_000,
            reject_count: 0,
            started_at: now - 600,
            completed_at: now - 60,
          })),
        ),
        { tag: 'bench.catalog' },
      );
      await clickhouse.onModuleDestroy();

      const key = execFileSync(
        process.execPath,
        [join(ROOT, 'backend/dist/cli/create-admin-key.js'), '--name', 'bench', '--roles', 'viewer'],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] },
      )
        .toString()
        .trim();
      api = await startApi(env);
      const base = api.base;
      const get = async (path: string): Promise<unknown> => {
        const res = await fetch(`${base}${path}`, { headers: { 'X-API-Key': key } });
        if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
        return res.json();
      };

      const overviewPath = (i: number) => `/api/v1/dashboard/overview${i % 4 === 3 ? '?system=crm' : ''}`;
      const filters = [
        'status=open',
        'status=open&severity=high',
        `status=new&ruleId=${RULES[15]?.[0]}`,
        'status=open&domain=credit',
        'status=open&actualSystem=wms',
        'status=open&severity=critical',
        'status=reopened',
        'status=resolved',
      ];
      const cursors = new Map<string, string>();
      const exceptions = async (i: number) => {
        const filter = filters[i % filters.length];
        const nextPage = i % 5 === 4 && cursors.get(filter);
        const page = (await get(`/api/v1/findings?${filter}&limit=50${nextPage ? `&cursor=${nextPage}` : ''}`)) as {
          nextCursor: string | null;
        };
        if (page.nextCursor) cursors.set(filter, page.nextCursor);
      };

      process.stderr.write('warming up …\n');
      await measure(20, 1, async (i) => {
        await get(overviewPath(i));
        await exceptions(i);
      });
      process.stderr.write(`measuring ${requests} overview and ${requests} exceptions requests …\n`);
      const overview = await measure(requests, concurrency, async (i) => {
        await get(overviewPath(i));
      });
      const lists = await measure(requests, concurrency, exceptions);

      process.stderr.write(`baseline: overview aggregates from findings (${baselineRequests} × SQL) …\n`);
      const to = new Date();
      const from = new Date(to.getTime() - 30 * 86_400_000);
      const baselineOverview = await measure(baselineRequests, 1, async (i) => {
        await overviewFromFindings(pg, from, to, i % 4 === 3 ? ['crm'] : null);
      });
      // Alerting's read of a completed run of every rule (after each run), and its baseline.
      const runId = '00000000-0000-4000-8000-0000000000a1';
      await pg.query(
        `INSERT INTO reconciliation_runs (id, trigger, status, scope, rule_counts, started_at, finished_at)
         VALUES ($1, 'schedule', 'complete', '{}'::jsonb, $2::jsonb, now() - interval '1 minute', now())`,
        [
          runId,
          JSON.stringify(
            Object.fromEntries(
              RULES.map(([id]) => [id, { version: 1, status: 'ran', new: 100, reopened: 5, resolved: 50 }]),
            ),
          ),
        ],
      );
      const findingGroups = new FindingGroupsRepository(dataSource);
      const alertRuns = Math.max(5, Math.round(baselineRequests / 4));
      process.stderr.write(`alerts: finding groups and examples of a run of every rule (${alertRuns} ×) …\n`);
      const alerts = await measure(alertRuns, 1, async () => {
        const rows = (await findingGroups.groups(runId)) ?? [];
        await findingGroups.examples(rows.filter((r) => r.open > 0).map((r) => r.ruleId));
      });
      const baselineAlerts = await measure(alertRuns, 1, () => alertGroupsFromFindings(pg, runId));

      process.stderr.write(`baseline: exceptions without the 0008 list indexes (${baselineRequests} × HTTP) …\n`);
      for (const index of LIST_INDEXES) await pg.query(`DROP INDEX ${index}`);
      await pg.query('ANALYZE findings');
      cursors.clear();
      const baselineLists = await measure(baselineRequests, 1, exceptions);

      const overviewP95 = p95(overview);
      const alertsP95 = p95(alerts);
      const alertsBaseline = p95(baselineAlerts);
      const exceptionsP95 = p95(lists);
      const overviewBaseline = p95(baselineOverview);
      const exceptionsBaseline = p95(baselineLists);
      return {
        findings_rows: n,
        load_seconds: round(loadSeconds),
        requests_each: requests,
        concurrency,
        overview_p95_ms: round(overviewP95),
        overview_p50_ms: round(percentile(overview, 0.5)),
        overview_baseline_p95_ms: round(overviewBaseline),
        overview_speedup: round(overviewBaseline / overviewP95),
        exceptions_p95_ms: round(exceptionsP95),
        exceptions_p50_ms: round(percentile(lists, 0.5)),
        exceptions_baseline_p95_ms: round(exceptionsBaseline),
        exceptions_speedup: round(exceptionsBaseline / exceptionsP95),
        alert_groups_p95_ms: round(alertsP95),
        alert_groups_baseline_p95_ms: round(alertsBaseline),
        alert_groups_speedup: round(alertsBaseline / alertsP95),
      };
    } finally {
      await api?.stop();
      await dataSource.destroy();
      await pg.end();
    }
  },
};
