import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunningEstate } from '@driftwatch/demo-estate';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { FixupsService } from '../../../backend/src/modules/fixups/fixups.service';
import { mutate, startSmallEstate } from '../connectors/support/estate-harness';
import { snapshotTestEnv, type SnapshotTestEnv } from '../snapshots/support/snapshot-app';
import {
  crmCityFindings,
  crmConnector,
  erpConnector,
  ownedByErp,
  seedRun,
  startFixupsApp,
  taskStates,
  waitFor,
  writesByKey,
} from './support/fixups-harness';

/**
 * A finding compares the owner's snapshot with the copy's. When the owner changed after its snapshot and
 * the change already reached the copy (a CRM change stream sees the ERP's integration copy a move within
 * seconds; the ERP's next snapshot comes minutes later), the planned "owner's value" is the stale one.
 */
describe("corrective sync reads the owner first: a stale owner value is never written over the owner's newer one", () => {
  let estate: RunningEstate;
  let env: SnapshotTestEnv;
  let app: INestApplication;

  beforeAll(async () => {
    estate = await startSmallEstate(60);
    env = await snapshotTestEnv({ FIXUPS_BATCH_WINDOW_MS: '10', FIXUPS_SWEEP_INTERVAL_MS: '0' });
    app = await startFixupsApp('worker', env.env, [crmConnector(estate), erpConnector(estate)]);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await estate?.stop();
  });

  it('writes where the owner still holds the planned value; supersedes, writing nothing, where it moved on', async () => {
    const dataSource = app.get(DataSource);
    const findings = await ownedByErp(
      estate,
      erpConnector(estate),
      await crmCityFindings(crmConnector(estate), 6),
      'AddressCity',
    );
    // After the snapshots the findings came from: two customers move in the ERP, and the integration
    // copies the move into the CRM.
    const moved = [findings[1], findings[4]];
    for (const [i, f] of moved.entries()) {
      const customer = [...estate.stores.erp.table('CustomersV3').rowsInOrder()].find(
        (r) => String(r.record.CustomerAccount) === f.ownerKey,
      )!;
      estate.stores.erp.put('CustomersV3', { ...customer.record, AddressCity: `Moved To ${i}` }, Date.now());
      await mutate(estate, 'crm', 'Account', f.actualKey, { BillingCity: `Moved To ${i}` });
    }
    const { runId } = await seedRun(dataSource, findings);
    const writesBefore = await writesByKey(estate.crm.baseUrl);

    expect(await app.get(FixupPlannerService).planRun(runId)).toMatchObject({ created: 6, queued: 6 });
    const states = await waitFor(
      () => taskStates(dataSource, runId),
      (s) => (s.done ?? 0) + (s.dismissed ?? 0) === 6,
      30_000,
      'tasks to finish',
    );
    expect(states).toEqual({ done: 4, dismissed: 2 });

    const writes = await writesByKey(estate.crm.baseUrl);
    for (const f of findings) {
      const key = `Account/${f.actualKey}`;
      expect((writes[key] ?? 0) - (writesBefore[key] ?? 0)).toBe(moved.includes(f) ? 0 : 1);
      const record = (await (
        await fetch(`${estate.crm.baseUrl}/__admin/record?entity=Account&key=${f.actualKey}`)
      ).json()) as { BillingCity: string };
      expect(record.BillingCity).toBe(moved.includes(f) ? `Moved To ${moved.indexOf(f)}` : f.expectedValue);
    }

    const dismissed = (
      await app.get(FixupsService).list({
        filters: { createdRunId: runId, state: 'dismissed' },
        sort: { key: 'createdAt', direction: 'asc' },
        limit: 10,
      })
    ).items;
    expect(dismissed.map((t) => t.sourceKey).sort()).toEqual(moved.map((f) => f.actualKey).sort());
    for (const task of dismissed) {
      const i = moved.findIndex((f) => f.actualKey === task.sourceKey);
      expect(task.stateReason).toBe(
        `superseded: erp (the owner) now holds "Moved To ${i}" for billingAddress.city, not the planned ` +
          `${JSON.stringify(moved[i].expectedValue)}: nothing written; the next run judges the records again`,
      );
      const detail = await app.get(FixupsService).detail(task.id);
      expect(detail.transitions.map((t) => `${t.fromState ?? '∅'}→${t.toState}`).slice(-2)).toEqual([
        'queued→applying',
        'applying→dismissed',
      ]);
    }
  });
});
