import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import type { EstateEndpoints } from '../../../infra/demo-estate/src';

export const ROOT = join(__dirname, '..', '..', '..');

/** Starts (idempotently) ClickHouse, Postgres and Redis and returns their URLs. */
export function ensureServices(): { CLICKHOUSE_URL: string; DATABASE_URL: string; REDIS_URL: string } {
  execFileSync('bash', [join(ROOT, 'infra/local/services.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(ROOT, '.local/services.env'), 'utf8').split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2];
  }
  return {
    CLICKHOUSE_URL: env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123',
    DATABASE_URL: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:15432/driftwatch',
    REDIS_URL: env.REDIS_URL ?? 'redis://127.0.0.1:16379',
  };
}

/** Drops a scenario's own Postgres and ClickHouse databases (both named `name`) once it is done. */
export async function dropBenchDatabases(
  services: { DATABASE_URL: string; CLICKHOUSE_URL: string },
  name: string,
): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a bench database name: ${name}`);
  const admin = new Client({ connectionString: services.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const clickhouse = clickhouseClient(services.CLICKHOUSE_URL);
  try {
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${name}` });
  } finally {
    await clickhouse.close();
  }
}

export function clickhouseClient(url: string, database?: string): ClickHouseClient {
  return createClient({
    url,
    database,
    keep_alive: { enabled: true, idle_socket_ttl: 1000 },
    request_timeout: 600_000,
    compression: { request: false, response: true },
    clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '10000' },
  });
}

/** Builds the backend (the worker runs from dist, as in production). */
export function buildBackend(): void {
  execFileSync('npm', ['run', 'build', '-w', 'backend'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface EstateProcess extends EstateEndpoints {
  startMs: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The demo estate in a child process, so its CPU and memory are not the worker's. Serves the CRM only
 * unless `systems` names others (the endpoints of systems not served have an empty `baseUrl`).
 */
export async function startEstateProcess(
  customers: number,
  systems: readonly string[] = ['crm'],
): Promise<EstateProcess> {
  const child = spawn(
    process.execPath,
    [
      '--max-old-space-size=8192',
      join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      join(__dirname, 'estate-server.ts'),
      String(customers),
      '42',
      systems.join(','),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`estate exited with ${code} before it was ready`)));
  });
  const info = JSON.parse(first) as Omit<EstateProcess, 'child' | 'stop'>;
  return {
    ...info,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
