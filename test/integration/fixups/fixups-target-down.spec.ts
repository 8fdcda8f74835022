import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunningEstate } from '@driftwatch/demo-estate';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { startSmallEstate } from '../connectors/support/estate-harness';
import { snapshotTestEnv, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import {
  crmCityFindings,
  crmConnector,
  erpConnector,
  erpPhoneFindings,
  ownedByErp,
  seedRun,
  setFaults,
  startFixupsApp,
  taskStates,
  waitFor,
  writesByKey,
} from './support/fixups-harness';

describe('corrective sync while a target is throttling and then down', () => {
  let estate: RunningEstate;
  let env: SnapshotTestEnv;
  let app: INestApplication;

  beforeAll(async () => {
    estate = await startSmallEstate(60);
    env = await snapshotTestEnv({
      FIXUPS_BATCH_WINDOW_MS: '10',
      FIXUPS_BACKOFF_BASE_MS: '300',
      FIXUPS_BACKOFF_MAX_MS: '1500',
      FIXUPS_ATTEMPTS: '50',
      FIXUPS_SWEEP_INTERVAL_MS: '0',
    });
    app = await startFixupsApp('worker', env.env, [crmConnector(estate), erpConnector(estate)]);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await estate?.stop();
  });

  it('keeps the CRM tasks waiting and retrying while the ERP queue flows, then finishes them once each', async () => {
    const dataSource = app.get(DataSource);
    // The ERP owns the billing address and holds the value each CRM task writes (its owner is read first).
    const crm = await ownedByErp(
      estate,
      erpConnector(estate),
      await crmCityFindings(crmConnector(estate), 8),
      'AddressCity',
    );
    const erp = await erpPhoneFindings(erpConnector(estate), 8);
    const { runId: crmRun } = await seedRun(dataSource, crm);
    const { runId: erpRun } = await seedRun(dataSource, erp);

    // Every CRM request is throttled (403 REQUEST_LIMIT_EXCEEDED + Retry-After: 1).
    await setFaults(estate.crm.baseUrl, { throttleRate: 1, retryAfterSeconds: 1 });
    const planner = app.get(FixupPlannerService);
    await planner.planRun(crmRun);
    await planner.planRun(erpRun);

    await waitFor(
      () => taskStates(dataSource, erpRun),
      (s) => s.done === 8,
      30_000,
      'ERP tasks to be done',
    );
    const crmWaiting = await taskStates(dataSource, crmRun);
    expect(crmWaiting.done ?? 0).toBe(0);
    expect((crmWaiting.queued ?? 0) + (crmWaiting.applying ?? 0)).toBe(8);

    // Then the CRM is down outright for a while (503s), then recovers.
    await setFaults(estate.crm.baseUrl, { outageRate: 1, outageStatus: 503 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const [{ attempts }] = await dataSource.query(
      `SELECT max(attempts) AS attempts FROM fix_tasks WHERE created_run_id = $1`,
      [crmRun],
    );
    expect(attempts).toBeGreaterThan(1);
    await setFaults(estate.crm.baseUrl, {});

    await waitFor(
      () => taskStates(dataSource, crmRun),
      (s) => s.done === 8,
      45_000,
      'CRM tasks to be done',
    );
    const writes = await writesByKey(estate.crm.baseUrl);
    for (const f of crm) expect(writes[`Account/${f.actualKey}`]).toBe(1);
    const [{ errors }] = await dataSource.query(
      `SELECT count(*)::int AS errors FROM fix_task_events e JOIN fix_tasks t ON t.id = e.task_id
       WHERE t.created_run_id = $1 AND e.to_state = 'queued' AND e.reason = 'will retry'`,
      [crmRun],
    );
    expect(errors).toBeGreaterThan(0);
  });
});
