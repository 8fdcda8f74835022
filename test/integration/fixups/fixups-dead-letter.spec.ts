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

describe('corrective sync dead-letters a batch whose target stays down', () => {
  let estate: RunningEstate;
  let env: SnapshotTestEnv;
  let app: INestApplication;

  beforeAll(async () => {
    estate = await startSmallEstate(40);
    env = await snapshotTestEnv({
      FIXUPS_BATCH_WINDOW_MS: '10',
      FIXUPS_BACKOFF_BASE_MS: '200',
      FIXUPS_BACKOFF_MAX_MS: '400',
      FIXUPS_ATTEMPTS: '2',
      FIXUPS_SWEEP_INTERVAL_MS: '0',
    });
    app = await startFixupsApp('worker', env.env, [crmConnector(estate)]);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await estate?.stop();
  });

  it('retries every task of the failed call once, then dead-letters each with the reason, writing nothing', async () => {
    const dataSource = app.get(DataSource);
    const crm = await crmCityFindings(crmConnector(estate), 12);
    const { runId } = await seedRun(dataSource, crm);
    await setFaults(estate.crm.baseUrl, { outageRate: 1, outageStatus: 503 });
    await app.get(FixupPlannerService).planRun(runId);

    await waitFor(
      () => taskStates(dataSource, runId),
      (s) => s.dead_lettered === 12,
      60_000,
      'CRM tasks to be dead-lettered',
    );
    await setFaults(estate.crm.baseUrl, {});
    const rows: { retries: number; dead: number; reason: string; last_error: string; attempts: number }[] =
      await dataSource.query(
        `SELECT count(*) FILTER (WHERE e.to_state = 'queued' AND e.reason = 'will retry')::int AS retries,
                count(*) FILTER (WHERE e.to_state = 'dead_lettered')::int AS dead,
                max(e.reason) FILTER (WHERE e.to_state = 'dead_lettered') AS reason,
                max(t.last_error) AS last_error, max(t.attempts) AS attempts
         FROM fix_tasks t JOIN fix_task_events e ON e.task_id = t.id
         WHERE t.created_run_id = $1 GROUP BY t.id`,
        [runId],
      );
    expect(rows).toHaveLength(12);
    for (const r of rows) {
      expect(r).toMatchObject({ retries: 1, dead: 1, attempts: 2 });
      expect(r.reason).toMatch(/^retries exhausted: .*503/);
      expect(r.last_error).toMatch(/503/);
    }
    expect(Object.keys(await writesByKey(estate.crm.baseUrl))).toHaveLength(0);
  });
});
