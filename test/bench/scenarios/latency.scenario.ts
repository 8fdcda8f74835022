/**
 * latency: a change made in the estate → the finding visible through the API (target p95 < 60 s).
 * The real path end to end: the demo estate (all four systems, own process) and the built backend
 * (role `all`: api + worker + scheduler, own process) reading it through the demo connectors. After
 * full snapshots of every system and a first reconciliation run, `--changes` drifts are made in the
 * CRM through its Salesforce REST API (PATCH Account.BillingCity, a field the ERP owns), one every
 * `--spacing` seconds, along each of two paths in turn:
 *  - stream (p50_seconds, p95_seconds): the scheduler subscribes to the CRM's Change Data Capture
 *    stream (SNAPSHOT_CHANGE_STREAMS=crm, CometD long polling); each change event becomes a keyed
 *    snapshot of that Account (coalesced over SNAPSHOT_EVENT_WINDOW_MS), whose completion queues a
 *    targeted reconciliation run (after RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS, `--delay-ms`);
 *  - poll (poll_p50_seconds, poll_p95_seconds), the baseline measured in the same run: no stream, the
 *    scheduled incremental customer snapshot (LastModifiedDate ≥ the last watermark) every `--cadence`
 *    seconds, as a Salesforce integration without streaming sees changes.
 * Each change is timed from the estate's 2xx answer to the first `GET /api/v1/findings` (API key,
 * polled every `--poll-ms`) that shows the customer.billing-address-match finding for that customer
 * number with the new city as the CRM's value.
 *   npm run bench -- latency [--customers 1000] [--changes 20] [--cadence 10] [--spacing 3.3]
 *     [--delay-ms 2000] [--poll-ms 500] [--timeout 300]
 */
import { crmAccessToken } from '@driftwatch/demo-estate';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { raw } from '../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../backend/src/config/config.service';
import { recreateDatabase } from '../../../backend/src/database/recreate-database';
import { runSchemaMigrations } from '../../../backend/src/database/schema-migrations';
import { startBackend, type RunningBackend } from '../../e2e/support/backend-process';
// Every (connector, entity) the demo snapshots: seeded before the measurement.
import { DEMO_SNAPSHOTS as SEED_SNAPSHOTS, demoConnectorsEnv } from '../../e2e/support/demo-environment';
import type { BenchFigures, BenchScenario } from '../bench-scenario';
import { buildBackend, ensureServices, ROOT, startEstateProcess, type EstateProcess } from '../support/bench-services';

const RULE = 'customer.billing-address-match';
const FIELD = 'billing_address_city';
/** The connectors whose customers are polled incrementally while measuring (both sides of the rule). */
const POLLED = ['crm:customer', 'erp:customer'];

const percentile = (samples: number[], q: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? NaN;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(300);
  }
}

async function createAdminKey(env: Record<string, string>): Promise<string> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'backend/dist/cli/create-admin-key.js'), '--name', 'bench-latency'],
    {
      env: { ...process.env, LOG_LEVEL: 'warn', RUN_MIGRATIONS: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`create-admin-key exited with ${code}: ${err}`);
  return out.trim();
}

/** A JSON client for the backend's API with one API key. */
function apiClient(backend: RunningBackend, key: string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${backend.url}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
type Api = ReturnType<typeof apiClient>;

/** The CRM's Salesforce REST API, as an integration user would call it. */
function crmClient(estate: EstateProcess) {
  let token: string | undefined;
  const base = `${estate.crm.baseUrl}/services/data/v${estate.crm.apiVersion}`;
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    token ??= await crmAccessToken(estate.crm);
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`CRM ${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    async accounts(n: number): Promise<{ id: string; customerNumber: string }[]> {
      const soql = 'SELECT Id, ERP_Customer_Number__c FROM Account ORDER BY Id';
      const body = (await (await call('GET', `/query?q=${encodeURIComponent(soql)}`)).json()) as {
        records: { Id: string; ERP_Customer_Number__c: string | null }[];
      };
      return body.records
        .filter((r) => r.ERP_Customer_Number__c)
        .slice(0, n)
        .map((r) => ({ id: r.Id, customerNumber: r.ERP_Customer_Number__c as string }));
    },
    async setBillingCity(id: string, city: string): Promise<void> {
      await call('PATCH', `/sobjects/Account/${id}`, { BillingCity: city });
    },
  };
}

async function snapshotAll(api: Api): Promise<void> {
  const runIds: string[] = [];
  for (const [connectorId, entity] of SEED_SNAPSHOTS) {
    const { runId } = await api<{ runId: string }>('POST', '/api/v1/snapshots', { connectorId, entity, mode: 'full' });
    runIds.push(runId);
  }
  for (const id of runIds) {
    const run = await until(`snapshot ${id}`, 600_000, async () => {
      const r = await api<{ status: string; error: string | null }>('GET', `/api/v1/snapshots/${id}`);
      return ['complete', 'partial', 'failed'].includes(r.status) ? r : undefined;
    });
    if (run.status !== 'complete') throw new Error(`seed snapshot ${id} ended ${run.status}: ${run.error}`);
  }
}

async function reconcile(api: Api): Promise<void> {
  const { jobId } = await api<{ jobId: string }>('POST', '/api/v1/reconciliation/runs', {});
  await until(`reconciliation job ${jobId}`, 600_000, async () => {
    const runs = await api<{ id: string; status: string; error: string | null }[]>(
      'GET',
      `/api/v1/reconciliation/runs?jobId=${encodeURIComponent(jobId)}`,
    );
    const run = runs.find((r) => r.status !== 'running');
    if (run && run.status !== 'complete') throw new Error(`reconciliation run ${run.id} failed: ${run.error}`);
    return run;
  });
}

interface FindingItem {
  field: string;
  actualSystem: string;
  actualValue: string;
  status: string;
}

/** The active finding of RULE/FIELD for this customer whose CRM value is `city` (normalised or not). */
async function findingShows(api: Api, customerNumber: string, city: string): Promise<boolean> {
  const body = await api<{ items?: FindingItem[] } | FindingItem[]>(
    'GET',
    `/api/v1/findings?ruleId=${RULE}&matchKey=${encodeURIComponent(customerNumber)}`,
  );
  const items = Array.isArray(body) ? body : (body.items ?? []);
  return items.some(
    (f) =>
      f.field === FIELD &&
      f.actualSystem === 'crm' &&
      ['new', 'open', 'reopened'].includes(f.status) &&
      f.actualValue.toLowerCase() === city.toLowerCase(),
  );
}

export const latencyScenario: BenchScenario = {
  name: 'latency',
  description: 'a change made in the estate → the finding visible through the API (scheduled incremental path)',
  async run(args: string[]): Promise<BenchFigures> {
    const { values } = parseArgs({
      args,
      options: {
        customers: { type: 'string', default: '1000' },
        changes: { type: 'string', default: '20' },
        cadence: { type: 'string', default: '10' },
        spacing: { type: 'string', default: '3.3' },
        'delay-ms': { type: 'string', default: '2000' },
        'poll-ms': { type: 'string', default: '500' },
        timeout: { type: 'string', default: '300' },
      },
    });
    const customers = Number(values.customers);
    const changes = Number(values.changes);
    const cadence = Number(values.cadence);
    const spacing = Number(values.spacing);
    const delayMs = Number(values['delay-ms']);
    const pollMs = Number(values['poll-ms']);
    const timeoutS = Number(values.timeout);
    for (const [name, v] of Object.entries({ customers, changes, cadence, 'delay-ms': delayMs, 'poll-ms': pollMs })) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number`);
    }
    if (cadence < 1 || cadence > 59 || 60 % cadence !== 0) throw new Error('--cadence must divide 60 (seconds)');
    if (!(spacing > 0) || !(timeoutS > 0)) throw new Error('--spacing and --timeout must be positive');

    const services = ensureServices();
    const name = 'dw_bench_latency';
    const base: Record<string, string> = {
      DATABASE_URL: await recreateDatabase(services.DATABASE_URL, name),
      CLICKHOUSE_URL: services.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: name,
      REDIS_URL: services.REDIS_URL,
      // A Bull prefix of its own: other benches and tests share this Redis.
      QUEUE_PREFIX: `dwbench-latency-${randomBytes(3).toString('hex')}`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      // The harness runs with a large heap; the backend and its CLI must not inherit it.
      NODE_OPTIONS: '',
    };
    const admin = ClickHouseService.fromConfig(
      new ConfigService({ ...process.env, ...base, CLICKHOUSE_DATABASE: 'default' }),
    );
    await admin.command(raw(`DROP DATABASE IF EXISTS ${name}`), { tag: 'bench.drop' });
    await admin.onModuleDestroy();
    process.stderr.write('building the backend …\n');
    buildBackend();
    await runSchemaMigrations(new ConfigService({ ...process.env, ...base }));
    process.stderr.write(`starting the demo estate (${customers} customers, all systems) …\n`);
    const estate = await startEstateProcess(customers, ['crm', 'erp', 'wms', 'support']);
    const env: Record<string, string> = {
      ...base,
      DRIFTWATCH_ROLE: 'all',
      RUN_MIGRATIONS: 'false',
      ...demoConnectorsEnv(estate),
      // No hourly full run during the measurement: only the snapshot-triggered runs count.
      RECONCILIATION_SCHEDULE: '',
      RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS: String(delayMs),
    };
    let backend: RunningBackend | undefined;
    try {
      // Seeding: full snapshots of every system and a first run, with no schedules (an incremental
      // snapshot racing a full one of the same connector would measure the seeding, not a change).
      backend = await startBackend({ ...env, SNAPSHOT_SCHEDULES: '' });
      const key = await createAdminKey(env);
      let api = apiClient(backend, key);
      const seedStarted = performance.now();
      process.stderr.write('seeding: full snapshots of every system …\n');
      await snapshotAll(api);
      process.stderr.write('seeding: first reconciliation run …\n');
      await reconcile(api);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      await backend.stop();

      const crm = crmClient(estate);
      const accounts = await crm.accounts(2 * changes);
      if (accounts.length < 2 * changes)
        throw new Error(`the CRM has ${accounts.length} linked accounts, ${2 * changes} needed`);
      const tag = randomBytes(2).toString('hex');
      const measure = async (path: string, batch: typeof accounts): Promise<number[]> => {
        process.stderr.write(`measuring (${path}): ${changes} CRM changes, one every ${spacing} s …\n`);
        return Promise.all(
          batch.map(async (account, i) => {
            await sleep(i * spacing * 1000);
            const city = `Latency ${tag} ${path} ${i}`;
            await crm.setBillingCity(account.id, city);
            const changedAt = performance.now();
            const deadline = changedAt + timeoutS * 1000;
            while (!(await findingShows(api, account.customerNumber, city))) {
              if (performance.now() > deadline) {
                throw new Error(`${path} change ${i} (${account.customerNumber}) not visible after ${timeoutS} s`);
              }
              await sleep(pollMs);
            }
            const seconds = (performance.now() - changedAt) / 1000;
            process.stderr.write(`  ${path} change ${i} ${account.customerNumber}: ${seconds.toFixed(1)} s\n`);
            return seconds;
          }),
        );
      };

      // The CRM's change stream (Salesforce CDC) on, nothing polled: each change is pushed to the scheduler.
      backend = await startBackend({ ...env, SNAPSHOT_SCHEDULES: '', SNAPSHOT_CHANGE_STREAMS: 'crm' });
      api = apiClient(backend, key);
      // Subscribed once the stream's first change is taken: a warm-up change, not measured.
      await crm.setBillingCity(accounts[0].id, `Latency ${tag} warm-up`);
      await until('the change stream to take a first change', timeoutS * 1000, async () =>
        (await findingShows(api, accounts[0].customerNumber, `Latency ${tag} warm-up`)) ? true : undefined,
      );
      const streamed = await measure('stream', accounts.slice(0, changes));
      await backend.stop();

      // The baseline, in the same run: no stream, the incremental customer snapshots scheduled (polling).
      const schedules = POLLED.map((p) => `${p}:incremental=*/${cadence} * * * * *`).join(';');
      backend = await startBackend({ ...env, SNAPSHOT_SCHEDULES: schedules });
      api = apiClient(backend, key);
      const polled = await measure('poll', accounts.slice(changes, 2 * changes));
      const runs = await api<{ trigger: string; status: string; durationMs: number | null }[]>(
        'GET',
        '/api/v1/reconciliation/runs?limit=500',
      );
      const runSeconds = runs
        .filter((r) => r.trigger === 'snapshot' && r.status === 'complete' && r.durationMs !== null)
        .map((r) => (r.durationMs as number) / 1000);
      return {
        customers,
        changes,
        incremental_cadence_seconds: cadence,
        after_snapshot_delay_seconds: delayMs / 1000,
        seed_seconds: seedSeconds,
        p50_seconds: percentile(streamed, 0.5),
        p95_seconds: percentile(streamed, 0.95),
        max_seconds: Math.max(...streamed),
        poll_p50_seconds: percentile(polled, 0.5),
        poll_p95_seconds: percentile(polled, 0.95),
        p95_ratio_vs_poll: percentile(streamed, 0.95) / percentile(polled, 0.95),
        reconcile_runs: runSeconds.length,
        reconcile_run_p50_seconds: percentile(runSeconds, 0.5),
      };
    } finally {
      await backend?.stop();
      await estate.stop();
    }
  },
};
