import type { INestApplication } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { sql } from '../../../backend/src/clickhouse/sql';
import { SnapshotRunnerService } from '../../../backend/src/modules/snapshots/snapshot-runner.service';
import { SnapshotRunsRepository } from '../../../backend/src/modules/snapshots/snapshot-runs.repository';
import { LEGACY, legacySource, type LegacySource } from './support/legacy-source';
import { snapshotTestEnv, startSnapshotApp, type SnapshotTestEnv } from './support/snapshot-app';

const ROOT = join(__dirname, '..', '..', '..');
const ORDERS = 3000;

/** services.sh only stops what it started, and only when no *_URL points it elsewhere. */
function services(...args: string[]): void {
  const env = { ...process.env };
  delete env.CLICKHOUSE_URL;
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  execFileSync('bash', [join(ROOT, 'infra/local/services.sh'), ...args], { env, stdio: 'ignore' });
}

describe('a snapshot run when the real ClickHouse stops mid-run', () => {
  let env: SnapshotTestEnv;
  let source: LegacySource;
  let app: INestApplication;

  beforeAll(async () => {
    source = await legacySource(ORDERS);
    env = await snapshotTestEnv({ SNAPSHOT_INSERT_ROWS: '300' });
    app = await startSnapshotApp('api', env.env, source.provider(200));
  });

  afterAll(async () => {
    services('up'); // whatever happened, leave ClickHouse running for the rest of the suite
    await app?.close();
    await env?.cleanup();
    await source?.drop();
  });

  it('fails clearly, is never catalogued, and a rerun completes without duplicating rows', async () => {
    const runner = app.get(SnapshotRunnerService);
    const runs = app.get(SnapshotRunsRepository);
    const request = { connectorId: LEGACY, entity: 'order', mode: 'full', trigger: 'cli' } as const;

    let stopped = false;
    let failedRunId = '';
    const error = await runner
      .execute(request, {
        onProgress: (p) => {
          failedRunId = p.runId;
          // After the first inserts have landed, stop the server under the running snapshot.
          if (!stopped && p.rowsWritten >= 600) {
            stopped = true;
            services('down', 'clickhouse');
          }
        },
      })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    services('up');
    expect(stopped).toBe(true);
    expect(error).toBeInstanceOf(Error);
    const failed = await runs.findById(failedRunId);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/ClickHouse|ECONNREFUSED|socket|connect/i);
    expect(failed?.rowsWritten).toBeGreaterThanOrEqual(600);
    expect(failed?.rowsWritten).toBeLessThan(ORDERS);

    // The rerun replaces the failed run: its rows are purged first, and it writes under its own id.
    const rerun = await runner.execute(request, { queuedRunId: failedRunId, attempt: 2 });
    expect(rerun).toMatchObject({ status: 'complete', rowsWritten: ORDERS, replacesRunId: failedRunId, attempt: 2 });
    expect((await runs.findById(failedRunId))?.purgedAt).not.toBeNull();

    const catalog = await env.clickhouse.query<{ snapshot_id: string }>(
      sql`SELECT snapshot_id FROM snapshot_catalog WHERE system = ${LEGACY}`,
      { tag: 'test' },
    );
    expect(catalog.map((c) => c.snapshot_id)).toEqual([rerun.id]);
    const [current] = await env.clickhouse.query<{ n: string; keys: string }>(
      sql`SELECT count() AS n, uniqExact(entity_key) AS keys FROM current_order FINAL WHERE deleted = 0`,
      { tag: 'test' },
    );
    expect(current).toEqual({ n: String(ORDERS), keys: String(ORDERS) });
    const [events] = await env.clickhouse.query<{ n: string }>(sql`SELECT count() AS n FROM entity_events`, {
      tag: 'test',
    });
    expect(events.n).toBe(String(ORDERS));

    // The purge is a ClickHouse mutation: the failed run's rows disappear once it has run.
    let leftover = -1;
    for (let i = 0; i < 50 && leftover !== 0; i++) {
      const [row] = await env.clickhouse.query<{ n: string }>(
        sql`SELECT count() AS n FROM snapshot_order WHERE snapshot_id = ${failedRunId}`,
        { tag: 'test' },
      );
      leftover = Number(row.n);
      if (leftover !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(leftover).toBe(0);
  });
});
