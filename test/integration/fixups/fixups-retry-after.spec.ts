import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunningEstate } from '@driftwatch/demo-estate';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { startSmallEstate } from '../connectors/support/estate-harness';
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

describe('corrective sync honours the Retry-After of a throttling target', () => {
  let estate: RunningEstate;
  let env: SnapshotTestEnv;
  let app: INestApplication;

  beforeAll(async () => {
    estate = await startSmallEstate(40);
    // Backoff alone would retry within 50-100 ms; the connector's client gives up on waits above 2 s
    // (maxRetryAfterMs in the harness) and hands the wait to the job.
    env = await snapshotTestEnv({
      FIXUPS_BATCH_WINDOW_MS: '10',
      FIXUPS_BACKOFF_BASE_MS: '50',
      FIXUPS_BACKOFF_MAX_MS: '100000',
      FIXUPS_ATTEMPTS: '20',
      FIXUPS_SWEEP_INTERVAL_MS: '0',
    });
    app = await startFixupsApp('worker', env.env, [crmConnector(estate)]);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await estate?.stop();
  });

  it('waits at least the Retry-After (3 s) between attempts, then writes each record once', async () => {
    const dataSource = app.get(DataSource);
    const findings = await crmCityFindings(crmConnector(estate), 3);
    const { runId } = await seedRun(dataSource, findings);
    // Every CRM API request: 403 REQUEST_LIMIT_EXCEEDED with Retry-After: 3.
    await setFaults(estate.crm.baseUrl, { throttleRate: 1, retryAfterSeconds: 3 });
    await app.get(FixupPlannerService).planRun(runId);

    const claims = () =>
      dataSource.query<{ task: string; at: string; last_error: string | null }[]>(
        `SELECT t.id::text AS task, extract(epoch FROM e.at) * 1000 AS at, t.last_error FROM fix_task_events e
         JOIN fix_tasks t ON t.id = e.task_id WHERE t.created_run_id = $1 AND e.to_state = 'applying' ORDER BY e.id`,
        [runId],
      );
    const seen = await waitFor(claims, (rows) => rows.length >= 9, 30_000, 'three attempts per task');
    const byTask = new Map<string, number[]>();
    for (const r of seen) byTask.set(r.task, [...(byTask.get(r.task) ?? []), Number(r.at)]);
    expect(byTask.size).toBe(3);
    for (const times of byTask.values()) {
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(3000);
    }
    expect(seen.at(-1)!.last_error).toMatch(/403/);

    await setFaults(estate.crm.baseUrl, {});
    await waitFor(
      () => taskStates(dataSource, runId),
      (s) => s.done === 3,
      30_000,
      'tasks done after the throttling ends',
    );
    const writes = await writesByKey(estate.crm.baseUrl);
    for (const f of findings) expect(writes[`Account/${f.actualKey}`]).toBe(1);
  }, 90_000);
});
