import type { INestApplication } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { RunningEstate } from '@driftwatch/demo-estate';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { startSmallEstate } from '../connectors/support/estate-harness';
import { freePort } from '../../e2e/support/backend-process';
import { snapshotTestEnv, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import {
  crmCityFindings,
  crmConnector,
  seedRun,
  startFixupsApp,
  taskStates,
  waitFor,
  writesByKey,
} from './support/fixups-harness';

/** A redis-server of this test's own (AOF, fsync on every write) so restarting it disturbs nobody else. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    () =>
      fetch(`http://127.0.0.1:${port}`).then(
        () => true,
        (e: { cause?: { code?: string } }) => e.cause?.code !== 'ECONNREFUSED',
      ),
    (up) => up,
    10_000,
    'redis to listen',
  );
  return child;
}

describe('corrective sync when Redis restarts mid-run (AOF on)', () => {
  let estate: RunningEstate;
  let env: SnapshotTestEnv;
  let app: INestApplication;
  let redis: ChildProcess;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    estate = await startSmallEstate(80);
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'dw-fixups-redis-'));
    redis = await startRedis(port, dir);
    env = await snapshotTestEnv({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      FIXUPS_RATE_LIMITS: 'crm=5',
      FIXUPS_BATCH_WINDOW_MS: '10',
      FIXUPS_BACKOFF_BASE_MS: '200',
      FIXUPS_BACKOFF_MAX_MS: '1000',
      FIXUPS_ATTEMPTS: '50',
      FIXUPS_SWEEP_INTERVAL_MS: '1000',
    });
    app = await startFixupsApp('worker', env.env, [crmConnector(estate)]);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await estate?.stop();
    redis?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the queued work after the restart: every task done, every record written once', async () => {
    const dataSource = app.get(DataSource);
    const findings = await crmCityFindings(crmConnector(estate), 25);
    const { runId } = await seedRun(dataSource, findings);
    await app.get(FixupPlannerService).planRun(runId);
    // At 5 writes per second the run takes about five seconds. A batch is marked done only after all of
    // its writes are verified, so watch the writes at the estate: restart Redis once some have landed.
    const written = async () => {
      const writes = await writesByKey(estate.crm.baseUrl);
      return findings.filter((f) => (writes[`Account/${f.actualKey}`] ?? 0) > 0).length;
    };
    await waitFor(written, (n) => n >= 5, 20_000, 'the first writes at the estate');
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    const duringOutage = await taskStates(dataSource, runId);
    expect(duringOutage.done ?? 0).toBeLessThan(25);
    redis = await startRedis(port, dir);

    await waitFor(
      () => taskStates(dataSource, runId),
      (s) => s.done === 25,
      60_000,
      'every task to be done',
    );
    const writes = await writesByKey(estate.crm.baseUrl);
    for (const f of findings) expect(writes[`Account/${f.actualKey}`]).toBe(1);
  });
});
