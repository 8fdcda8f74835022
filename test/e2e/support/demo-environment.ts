/**
 * The demo loop for browser tests: a small drifting demo estate, the built backend (all roles) reading
 * it through the demo connectors, API keys of every role, a full snapshot of every system and
 * reconciliation runs, so every dashboard page has real data to show. Started once per test file.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startEstate, type RunningEstate } from '@driftwatch/demo-estate';
import { clickhouseUrl, isolatedPostgres, uniqueName } from '../../integration/support/test-services';
import { startPrivateRedis } from '../../integration/workers/support/private-redis';
import { ROOT, startBackend, type RunningBackend } from './backend-process';

/** Every (connector, entity) the demo snapshots, as in infra/local/demo.sh. */
export const DEMO_SNAPSHOTS = [
  ['crm', 'customer'],
  ['crm', 'credit_profile'],
  ['crm', 'contact'],
  ['crm', 'order'],
  ['crm', 'shipment'],
  ['erp', 'customer'],
  ['erp', 'credit_profile'],
  ['erp', 'contact'],
  ['erp', 'order'],
  ['wms', 'shipment'],
  ['support', 'customer'],
  ['support', 'ticket'],
] as const;

export type RoleName = 'viewer' | 'engineer' | 'steward' | 'admin';

export interface DemoEnvironment {
  backend: RunningBackend;
  estate: RunningEstate;
  keys: Record<RoleName, string>;
  /** JSON call to the backend with a key of the given role; throws on a non-2xx answer. */
  api<T>(method: string, path: string, body?: unknown, role?: RoleName): Promise<T>;
  /** Full snapshots of the given `connector:entity` pairs (default every demo pair), waited for. */
  snapshotAll(only?: string[]): Promise<string[]>;
  until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T>;
  reconcile(): Promise<{ id: string; findingsTotal: number }>;
  stop(): Promise<void>;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function createAdminKey(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [join(ROOT, 'backend/dist/cli/create-admin-key.js'), '--name', 'e2e-admin'], {
    env: { ...process.env, LOG_LEVEL: 'warn', RUN_MIGRATIONS: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`create-admin-key exited with ${code}: ${err}`);
  return out.trim();
}

/** The estate's endpoints and credentials as infra/local/demo-connectors.yaml reads them. */
export function demoConnectorsEnv(estate: {
  crm: { baseUrl: string; clientSecret: string };
  erp: { baseUrl: string; clientSecret: string };
  wms: { baseUrl: string; apiKey: string };
  support: { baseUrl: string; apiToken: string };
}): Record<string, string> {
  return {
    DRIFTWATCH_CONNECTORS_FILE: join(ROOT, 'infra/local/demo-connectors.yaml'),
    ESTATE_CRM_URL: estate.crm.baseUrl,
    ESTATE_ERP_URL: estate.erp.baseUrl,
    ESTATE_WMS_URL: estate.wms.baseUrl,
    ESTATE_SUPPORT_URL: estate.support.baseUrl,
    CRM_CLIENT_SECRET: estate.crm.clientSecret,
    ERP_CLIENT_SECRET: estate.erp.clientSecret,
    WMS_API_KEY: estate.wms.apiKey,
    // The estate is not told to push webhooks here; the connector only needs a valid secret.
    WMS_WEBHOOK_SECRET: 'wms-demo-webhook-secret',
    SUPPORT_API_TOKEN: estate.support.apiToken,
  };
}

export async function startDemoEnvironment(options: { customers?: number } = {}): Promise<DemoEnvironment> {
  const postgres = await isolatedPostgres();
  const clickhouseDatabase = uniqueName('dw_e2e');
  // A Redis server of its own: Bull's prefix is fixed, so on the shared Redis another test's worker
  // could take this backend's jobs.
  const redis = await startPrivateRedis();
  // With the estate's Slack workspace, as `npm run demo` has it: alerts are posted and their buttons work.
  const estate = await startEstate({ customers: options.customers ?? 400, seed: 7, scenario: 'default', slack: {} });
  const slackSigningSecret = 'e2e-slack-signing-secret';
  const env: Record<string, string> = {
    DATABASE_URL: postgres.url,
    CLICKHOUSE_DATABASE: clickhouseDatabase,
    REDIS_URL: redis.url,
    DRIFTWATCH_ROLE: 'all',
    DASHBOARD_DIR: join(ROOT, 'frontend/dist'),
    ...demoConnectorsEnv(estate),
    // Full snapshots every 6 hours (as in the demo), so freshness is judged against a schedule.
    SNAPSHOT_SCHEDULES: DEMO_SNAPSHOTS.map(([c, e]) => `${c}:${e}:full=0 */6 * * *`).join(';'),
    // Runs are started by the tests; a snapshot's own delayed run would race them for the run lock,
    // and the hourly scheduled run (at minute 0) would add a run the rules page then counts.
    RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS: String(24 * 3600_000),
    RECONCILIATION_SCHEDULE: '',
    RATE_LIMIT_PER_MINUTE: '100000',
    SLACK_BOT_TOKEN: estate.slack!.botToken,
    SLACK_API_URL: estate.slack!.apiUrl,
    SLACK_SIGNING_SECRET: slackSigningSecret,
  };
  let backend: RunningBackend | undefined;
  try {
    backend = await startBackend(env);
  } catch (error) {
    await estate.stop();
    await postgres.drop();
    await redis.stop();
    throw error;
  }
  const url = backend.url;
  estate.slack!.server.setInteractivity({
    url: `${url}/api/v1/slack/interactivity`,
    signingSecret: slackSigningSecret,
  });
  const adminKey = await createAdminKey(env);

  async function call<T>(method: string, path: string, body: unknown, key: string): Promise<T> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const keys: Record<RoleName, string> = { admin: adminKey, viewer: '', engineer: '', steward: '' };
  for (const role of ['viewer', 'engineer', 'steward'] as const) {
    const created = await call<{ key: string }>(
      'POST',
      '/api/v1/api-keys',
      { name: `e2e-${role}`, roles: [role] },
      adminKey,
    );
    keys[role] = created.key;
  }

  const demo: DemoEnvironment = {
    backend,
    estate,
    keys,
    api: (method, path, body, role = 'admin') => call(method, path, body, keys[role]),
    until,
    async snapshotAll(only) {
      const runIds: string[] = [];
      for (const [connectorId, entity] of DEMO_SNAPSHOTS) {
        if (only && !only.includes(`${connectorId}:${entity}`)) continue;
        const { runId } = await demo.api<{ runId: string }>('POST', '/api/v1/snapshots', {
          connectorId,
          entity,
          mode: 'full',
        });
        runIds.push(runId);
      }
      for (const id of runIds) {
        let last: unknown;
        const run = await until(`snapshot ${id}`, 120_000, async () => {
          const r = await demo.api<{ status: string; error: string | null }>('GET', `/api/v1/snapshots/${id}`);
          last = r;
          return ['complete', 'partial', 'failed'].includes(r.status) ? r : undefined;
        }).catch((error: Error) => {
          throw new Error(`${error.message}; last seen ${JSON.stringify(last)}; backend said:\n${backend?.output()}`);
        });
        if (run.status !== 'complete') throw new Error(`snapshot ${id} ended ${run.status}: ${run.error}`);
      }
      return runIds;
    },
    async reconcile() {
      const { jobId } = await demo.api<{ jobId: string }>('POST', '/api/v1/reconciliation/runs', {});
      return until(`reconciliation job ${jobId}`, 180_000, async () => {
        const runs = await demo.api<{ id: string; status: string; findingsTotal: number; error: string | null }[]>(
          'GET',
          `/api/v1/reconciliation/runs?jobId=${encodeURIComponent(jobId)}`,
        );
        const run = runs.find((r) => r.status !== 'running');
        if (run && run.status !== 'complete') throw new Error(`reconciliation run ${run.id} failed: ${run.error}`);
        return run;
      });
    },
    async stop() {
      await backend?.stop();
      await estate.stop();
      await postgres.drop();
      await redis.stop();
      await fetch(clickhouseUrl(), { method: 'POST', body: `DROP DATABASE IF EXISTS ${clickhouseDatabase}` }).catch(
        () => undefined,
      );
    },
  };
  return demo;
}
