import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ConfigService } from '../../../backend/src/config/config.service';
import {
  AlertDeliveryEntity,
  AlertSilenceEntity,
  AlertStateEntity,
} from '../../../backend/src/modules/alerts/alert-state.entity';
import { AlertsRepository } from '../../../backend/src/modules/alerts/alerts.repository';
import { AlertsService } from '../../../backend/src/modules/alerts/alerts.service';
import { FindingGroupsRepository } from '../../../backend/src/modules/alerts/finding-groups.repository';
import { RunAlertsService } from '../../../backend/src/modules/alerts/run-alerts.service';
import { SlackTransport } from '../../../backend/src/modules/alerts/slack/slack-transport';
import { RuleCatalogService } from '../../../backend/src/modules/reconciliation/rule-catalog.service';
import { customers, ReconciliationFixture, TEST_RULES_DIR } from '../reconciliation/support/reconciliation-fixture';
import { SlackReceiver } from './support/slack-receiver';

const RULES_FILE = join(__dirname, '../../../reconciliation-rules/alerts/default.yaml');

describe('alerts from real reconciliation runs (ClickHouse + Postgres) to a Slack-compatible receiver', () => {
  let fx: ReconciliationFixture;
  let receiver: SlackReceiver;
  let runAlerts: RunAlertsService;
  let alertStore: DataSource;

  const erp = customers(200);
  // The CRM lacks the last 10 customers and misspells the first 3 legal names.
  const crm = (broken: boolean) =>
    erp.flatMap((c, i) => {
      if (broken && i >= 190) return [];
      return [{ ...c, legal_name: broken && i < 3 ? `${c.legal_name.toUpperCase()} INC` : c.legal_name }];
    });

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
    receiver = new SlackReceiver();
    const apiUrl = await receiver.start();
    alertStore = new DataSource({
      ...fx.dataSource.options,
      entities: [AlertStateEntity, AlertDeliveryEntity, AlertSilenceEntity],
    });
    await alertStore.initialize();
    const alerts = new AlertsService(
      new AlertsRepository(
        alertStore.getRepository(AlertStateEntity),
        alertStore.getRepository(AlertDeliveryEntity),
        alertStore.getRepository(AlertSilenceEntity),
      ),
      new SlackTransport({ botToken: 'xoxb-test-token', apiUrl, retries: 1, timeoutMs: 5000 }),
      { rulesFile: RULES_FILE, dashboardUrl: 'http://127.0.0.1:3000' },
    );
    await alerts.onModuleInit();
    const catalog = new RuleCatalogService(
      new ConfigService({ ...process.env, RECONCILIATION_RULES_DIR: TEST_RULES_DIR }),
    );
    runAlerts = new RunAlertsService(alerts, new FindingGroupsRepository(fx.dataSource), catalog);
  }, 60_000);

  afterAll(async () => {
    await receiver?.stop();
    await alertStore?.destroy();
    await fx?.close();
  });

  it('posts one message per rule with counts and masked examples, then resolves them in place once fixed', async () => {
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot('crm', crm(true));
    // The fixture records snapshot runs without row counts; give them the counts the pipeline would.
    await fx.dataSource.query(
      `UPDATE snapshot_runs SET rows_written = CASE connector_id WHEN 'erp' THEN 200 ELSE 190 END`,
    );
    const first = await fx.service.run({ trigger: 'api' });
    const outcome = await runAlerts.evaluate(first.runId);
    expect(outcome).toEqual({ sent: 2, held: 0, failed: 0 });
    const posts = receiver.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts.every((c) => c.args.channel === '#integration-eng' && c.problems.length === 0)).toBe(true);
    // 10 of 200 customers missing in the CRM: 5% of records affected.
    expect(JSON.stringify(posts.map((c) => c.args.blocks))).toContain('*Records affected*\\n5.00%');
    expect(posts.map((c) => String(c.args.text)).sort()).toEqual(
      [expect.stringMatching(/: 10 open, 10 new$/), expect.stringMatching(/: 3 open, 3 new$/)].sort(),
    );

    receiver.clear();
    const second = await fx.service.run({ trigger: 'schedule' });
    await runAlerts.evaluate(second.runId);
    // Same findings, now open rather than new: the same two messages are updated, nothing new posted.
    expect(receiver.calls.map((c) => [c.method, String(c.args.text).startsWith('Resolved: ')])).toEqual([
      ['chat.update', false],
      ['chat.update', false],
    ]);

    // A run of one rule (an API run of chosen rules, or an event's targeted run of a few) says nothing
    // about the other rule's findings: its alert stays as it is.
    receiver.clear();
    const posted = posts.map((c) => String(c.args.text));
    const partial = await fx.service.run({ trigger: 'api', ruleIds: ['customer.test-presence'] });
    await runAlerts.evaluate(partial.runId);
    expect(receiver.calls.filter((c) => String(c.args.text).startsWith('Resolved: '))).toEqual([]);
    expect(posted).toHaveLength(2);

    receiver.clear();
    await fx.completeSnapshot('crm', crm(false));
    const fixed = await fx.service.run({ trigger: 'snapshot' });
    await runAlerts.evaluate(fixed.runId);
    expect(receiver.calls.map((c) => [c.method, String(c.args.text).startsWith('Resolved: ')])).toEqual([
      ['chat.update', true],
      ['chat.update', true],
    ]);
  });
});
