import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunningEstate } from '@driftwatch/demo-estate';
import { SlackTransport } from '../../../backend/src/modules/alerts/slack/slack-transport';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { FixupsService } from '../../../backend/src/modules/fixups/fixups.service';
import { startAlertStore } from '../alerts/support/alert-store';
import { SlackReceiver } from '../alerts/support/slack-receiver';
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

  it('and the default fixups-stuck alert posts them per target system, with the latest errors, then resolves', async () => {
    const dataSource = app.get(DataSource);
    const fixups = app.get(FixupsService);
    const store = await startAlertStore();
    const receiver = new SlackReceiver();
    try {
      const alerts = await store.service(
        new SlackTransport({
          botToken: 'xoxb-test-token',
          apiUrl: await receiver.start(),
          retries: 0,
          timeoutMs: 5000,
        }),
      );
      // As the status check assembles it: the backlog with tasks waiting for a person since a day ago.
      const check = async (source: string) => {
        const now = new Date();
        const backlog = await fixups.backlog(new Date(now.getTime() - 1440 * 60_000));
        await alerts.evaluate(source, { fixupsByWaitLimit: new Map([[1440, backlog]]) }, now);
        return backlog;
      };
      // Two more tasks wait for a person: one for two days, one since an hour ago (not yet overdue).
      const [a, b] = await dataSource.query<{ id: string }[]>(
        `SELECT id FROM fix_tasks WHERE state = 'dead_lettered' ORDER BY id LIMIT 2`,
      );
      await dataSource.query(
        `UPDATE fix_tasks SET state = 'needs_review', updated_at = now() - CASE WHEN id = $1 THEN interval '2 days' ELSE interval '1 hour' END
          WHERE id IN ($1, $2)`,
        [a.id, b.id],
      );

      const backlog = await check('status:1');
      expect(backlog).toEqual([
        expect.objectContaining({
          system: 'crm',
          deadLettered: 10,
          waitingSince: expect.objectContaining({ count: 1 }),
        }),
      ]);
      expect(backlog[0].recentDeadLetters).toHaveLength(3);
      const posted = receiver.calls.filter((c) => c.method === 'chat.postMessage');
      expect(posted.map((c) => [c.args.channel, c.args.text])).toEqual([
        [
          '#integration-eng',
          expect.stringMatching(
            /^Fix-ups to crm: 10 dead-lettered; 1 waiting for a person over 24\.0 h: Dead letters \(fires at 1\) 10, oldest \d+ s ago, Waiting for a person over 24\.0 h 1, oldest 48\.0 h ago$/,
          ),
        ],
      ]);
      expect(posted[0].problems).toEqual([]);
      expect(JSON.stringify(posted[0].args.blocks)).toMatch(/· `customer\.[a-z-]+`: .*503/);

      // An engineer dismisses everything: the next check resolves the message in place.
      await dataSource.query(
        `UPDATE fix_tasks SET state = 'dismissed' WHERE state IN ('dead_lettered', 'needs_review')`,
      );
      expect(await check('status:2')).toEqual([]);
      const resolved = receiver.calls.filter((c) => c.method === 'chat.update');
      expect(resolved.map((c) => String(c.args.text))).toEqual([expect.stringMatching(/^Resolved: /)]);
    } finally {
      await receiver.stop();
      await store.close();
    }
  });
});
