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
  seedRun,
  startFixupsApp,
  taskStates,
  waitFor,
  writesByKey,
} from './support/fixups-harness';

describe('corrective sync against the estate CRM: verified writes, and a newer edit in the target is a conflict', () => {
  let estate: RunningEstate;
  let env: SnapshotTestEnv;
  let app: INestApplication;

  beforeAll(async () => {
    estate = await startSmallEstate(60);
    env = await snapshotTestEnv({ FIXUPS_BATCH_WINDOW_MS: '10', FIXUPS_SWEEP_INTERVAL_MS: '0' });
    app = await startFixupsApp('worker', env.env, [crmConnector(estate)]);
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await estate?.stop();
  });

  it('writes the owner value once per record, verifies it, and never overwrites a value changed since the finding', async () => {
    const dataSource = app.get(DataSource);
    const findings = await crmCityFindings(crmConnector(estate), 6);
    // Someone edits one account's billing city after reconciliation saw it.
    const edited = findings[2];
    await mutate(estate, 'crm', 'Account', edited.actualKey, { BillingCity: 'Edited By A Person' });
    const { runId } = await seedRun(dataSource, findings);

    const summary = await app.get(FixupPlannerService).planRun(runId);
    expect(summary).toMatchObject({ created: 6, queued: 6, held: 0 });

    const states = await waitFor(
      () => taskStates(dataSource, runId),
      (s) => (s.done ?? 0) + (s.conflict ?? 0) === 6,
      30_000,
      'tasks to finish',
    );
    expect(states).toEqual({ done: 5, conflict: 1 });

    const writes = await writesByKey(estate.crm.baseUrl);
    for (const f of findings) {
      expect(writes[`Account/${f.actualKey}`] ?? 0).toBe(f === edited ? 0 : 1);
    }
    const record = (await (
      await fetch(`${estate.crm.baseUrl}/__admin/record?entity=Account&key=${edited.actualKey}`)
    ).json()) as { BillingCity: string };
    expect(record.BillingCity).toBe('Edited By A Person');

    const page = await app.get(FixupsService).listNeedingReview({
      filters: { createdRunId: runId },
      sort: { key: 'createdAt', direction: 'desc' },
      limit: 50,
    });
    expect(page.items).toHaveLength(1);
    const conflict = page.items[0];
    expect(conflict).toMatchObject({ state: 'conflict', sourceKey: edited.actualKey });
    expect(conflict.stateReason).toMatch(/changed since the finding/);

    const done = (
      await app.get(FixupsService).list({
        filters: { createdRunId: runId, state: 'done' },
        sort: { key: 'createdAt', direction: 'asc' },
        limit: 1,
      })
    ).items[0];
    const detail = await app.get(FixupsService).detail(done.id);
    expect(detail.transitions.map((t) => `${t.fromState ?? '∅'}→${t.toState}`)).toEqual([
      '∅→approved',
      'approved→queued',
      'queued→applying',
      'applying→verifying',
      'verifying→done',
    ]);
    expect(detail.task.idempotencyKey).toMatch(/^[0-9a-f]{40}:0$/);
  });
});
