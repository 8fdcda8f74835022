import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { clickhouseUrl, isolatedPostgres, uniqueName } from '../integration/support/test-services';
import { ROOT, startBackend } from './support/backend-process';

/** Runs the built backend to exit and returns its exit code and everything it printed. */
async function bootWith(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'backend/dist/main.js')], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

describe('backend start-up with bad configuration or missing services', () => {
  it('names every invalid variable in one readable message', async () => {
    const { code, output } = await bootWith({ DRIFTWATCH_ROLE: 'boss', REDIS_URL: 'http://nope' });
    expect(code).toBe(1);
    expect(output).toMatch(/Invalid configuration/);
    expect(output).toMatch(/DRIFTWATCH_ROLE/);
    expect(output).toMatch(/REDIS_URL/);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('says which store is unreachable and how to start it', async () => {
    const { code, output } = await bootWith({ DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/driftwatch' });
    expect(code).toBe(1);
    expect(output).toMatch(/PostgreSQL is not reachable at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1/);
    expect(output).toMatch(/npm run services:up/);
    expect(output).not.toMatch(/hunter2/);
  });

  it('says when ClickHouse is unreachable', async () => {
    const { code, output } = await bootWith({ CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(output).toMatch(/ClickHouse is not reachable at http:\/\/127\.0\.0\.1:1/);
  });

  it('logs JSON lines from the first one on, schema migrations included', async () => {
    const postgres = await isolatedPostgres();
    const clickhouseDatabase = uniqueName('dw_boot');
    try {
      const backend = await startBackend({
        DATABASE_URL: postgres.url,
        CLICKHOUSE_DATABASE: clickhouseDatabase,
        LOG_LEVEL: 'info',
      });
      await backend.stop();
      const lines = backend
        .output()
        .split('\n')
        .filter((line) => line !== '');
      const notJson = lines.filter((line) => {
        try {
          return typeof JSON.parse(line) !== 'object';
        } catch {
          return true;
        }
      });
      expect(notJson).toEqual([]);
      // The Postgres database is a migrated template's copy; ClickHouse's is new, so its migrations run.
      const records = lines.map((line) => JSON.parse(line) as { context?: string; msg?: string });
      expect(records).toContainEqual(
        expect.objectContaining({ context: 'ClickHouseMigrator', msg: 'applied ClickHouse migration 1 snapshots' }),
      );
      expect(records).toContainEqual(
        expect.objectContaining({ context: 'Driftwatch', msg: expect.stringMatching(/^all listening on http:/) }),
      );
    } finally {
      await postgres.drop();
      await fetch(clickhouseUrl(), { method: 'POST', body: `DROP DATABASE IF EXISTS ${clickhouseDatabase}` }).catch(
        () => undefined,
      );
    }
  });
});
