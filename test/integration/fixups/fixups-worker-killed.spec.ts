import type { INestApplication } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { RunningEstate } from '@driftwatch/demo-estate';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { startSmallEstate } from '../connectors/support/estate-harness';
import { freePort, ROOT } from '../../e2e/support/backend-process';
import { snapshotTestEnv, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import {
  crmCityFindings,
  crmConnector,
  seedRun,
  setFaults,
  startFixupsApp,
  taskStates,
  waitFor,
  writesByKey,
} from './support/fixups-harness';

const MAIN = join(ROOT, 'backend/dist/main.js');

describe('a worker process killed with SIGKILL in the middle of applying fix-ups', () => {
  let estate: RunningEstate;
  let env: SnapshotTestEnv;
  let planner: INestApplication;
  let survivor: INestApplication | undefined;
  let child: ChildProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error('backend is not built: run `npm run build` (npm test does)');
    estate = await startSmallEstate(60);
    env = await snapshotTestEnv({
      FIXUPS_LEASE_MS: '3000',
      FIXUPS_LOCK_MS: '2000',
      FIXUPS_BACKOFF_BASE_MS: '200',
      FIXUPS_BACKOFF_MAX_MS: '1000',
      FIXUPS_ATTEMPTS: '50',
      FIXUPS_BATCH_WINDOW_MS: '10',
      FIXUPS_BATCH_MAX: '5',
      FIXUPS_SWEEP_INTERVAL_MS: '1000',
    });
    planner = await startFixupsApp('scheduler', env.env, [crmConnector(estate)]);
    dir = mkdtempSync(join(tmpdir(), 'dw-fixups-kill-'));
  }, 90_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await survivor?.close();
    await planner?.close();
    await env?.cleanup();
    await estate?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no task and writes no record twice: the next worker reclaims the dead one’s tasks after its lease', async () => {
    const dataSource = planner.get(DataSource);
    const findings = await crmCityFindings(crmConnector(estate), 20);
    const { runId } = await seedRun(dataSource, findings);
    // Every CRM call takes 1.5 s, so the worker is caught with writes in flight.
    await setFaults(estate.crm.baseUrl, { slowRate: 1, slowMs: 1500 });
    await planner.get(FixupPlannerService).planRun(runId);

    const connectorsFile = join(dir, 'connectors.yaml');
    writeFileSync(
      connectorsFile,
      [
        'connectors:',
        '  - id: crm',
        '    kind: salesforce',
        `    baseUrl: ${estate.crm.baseUrl}`,
        '    retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 }',
        '    auth:',
        '      type: oauth2-client-credentials',
        `      tokenUrl: ${estate.crm.tokenUrl}`,
        `      clientId: ${estate.crm.clientId}`,
        '      clientSecret: ${env:FIXUP_TEST_CRM_SECRET}',
        '',
      ].join('\n'),
    );
    let output = '';
    child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        ...env.env,
        DRIFTWATCH_ROLE: 'worker',
        PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
        RUN_MIGRATIONS: 'false',
        DRIFTWATCH_CONNECTORS_FILE: connectorsFile,
        FIXUP_TEST_CRM_SECRET: estate.crm.clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));

    await waitFor(
      () => taskStates(dataSource, runId),
      (s) => (s.applying ?? 0) + (s.verifying ?? 0) > 0 || child?.exitCode !== null,
      60_000,
      'the child worker to start applying',
    );
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    const atKill = await taskStates(dataSource, runId);
    expect((atKill.applying ?? 0) + (atKill.verifying ?? 0)).toBeGreaterThan(0);
    expect(atKill.done ?? 0).toBeLessThan(20);

    await setFaults(estate.crm.baseUrl, {});
    survivor = await startFixupsApp('worker', env.env, [crmConnector(estate)]);
    const final = await waitFor(
      () => taskStates(dataSource, runId),
      (s) => s.done === 20,
      60_000,
      'every task to be done',
    );
    expect(final).toEqual({ done: 20 });

    const writes = await writesByKey(estate.crm.baseUrl);
    for (const f of findings) expect(writes[`Account/${f.actualKey}`]).toBe(1);
    const [{ reclaimed }] = await dataSource.query(
      `SELECT count(*)::int AS reclaimed FROM fix_task_events e JOIN fix_tasks t ON t.id = e.task_id
       WHERE t.created_run_id = $1 AND e.reason LIKE 'reclaimed%'`,
      [runId],
    );
    expect(reclaimed).toBeGreaterThan(0);
    expect(output).not.toMatch(/Error/);
  });
});
