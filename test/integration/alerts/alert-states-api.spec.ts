import request from 'supertest';
import { AlertsService } from '../../../backend/src/modules/alerts/alerts.service';
import type { FindingGroup } from '../../../backend/src/modules/alerts/alert-evaluator';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { SlackReceiver } from './support/slack-receiver';

const HOLDS = 'credit-ops:credit-hold-visible:#credit-ops';
const TERMS = 'credit-ops:credit-terms-match:#credit-ops';

const group = (ruleId: string, title: string, open: number): FindingGroup => ({
  ruleId,
  title,
  domain: 'credit',
  severity: 'high',
  counts: { new: open, open, resolved: 0 },
  recordsChecked: 100,
  examples: [],
});

describe('alerts as they stand over the API (real alert evaluation, Slack receiver, Postgres)', () => {
  let api: ApiTestApp;
  let receiver: SlackReceiver;
  let key: string;

  beforeAll(async () => {
    receiver = new SlackReceiver();
    api = await startApiApp({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: await receiver.start() });
    ({ key } = await api.key(['viewer']));
    const alerts = api.app.get(AlertsService);
    await alerts.evaluateRun('run-1', [
      group('credit-hold-visible', 'Credit holds not visible in CRM', 4),
      group('credit-terms-match', 'Payment terms differ', 2),
    ]);
    // The next run finds the terms fixed: that alert resolves; the holds one is acknowledged in Slack.
    await alerts.evaluateRun(
      'run-2',
      [group('credit-hold-visible', 'Credit holds not visible in CRM', 3)],
      new Date(),
      new Set(),
    );
    await alerts.acknowledge(HOLDS, 'slack:U42 (ana)');
  });

  afterAll(async () => {
    await api?.close();
    await receiver?.stop();
  });

  const list = (query = '') => request(api.server).get(`/api/v1/alerts${query}`).set('authorization', `Bearer ${key}`);

  it('lists the firing alerts with what their last message said and who acknowledged them', async () => {
    const res = await list().expect(200);
    expect(res.body.slackConfigured).toBe(true);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({
      alertKey: HOLDS,
      alertRuleId: 'credit-ops',
      ruleId: 'credit-hold-visible',
      channel: '#credit-ops',
      status: 'firing',
      title: 'Credit holds not visible in CRM',
      severity: 'high',
      domain: 'credit',
      counts: { new: 3, open: 3, resolved: 0 },
      acknowledgedBy: 'slack:U42 (ana)',
      resolvedAt: null,
      snoozedUntil: null,
    });
    expect(Date.parse(res.body.items[0].firstFiredAt)).toBeLessThanOrEqual(Date.parse(res.body.items[0].updatedAt));
  });

  it('lists resolved alerts, or all of them firing first', async () => {
    const resolved = await list('?status=resolved').expect(200);
    expect(resolved.body.items.map((a: { alertKey: string }) => a.alertKey)).toEqual([TERMS]);
    expect(resolved.body.items[0].resolvedAt).not.toBeNull();
    const all = await list('?status=all').expect(200);
    expect(all.body.items.map((a: { alertKey: string; status: string }) => [a.alertKey, a.status])).toEqual([
      [HOLDS, 'firing'],
      [TERMS, 'resolved'],
    ]);
    expect((await list('?status=all&limit=1').expect(200)).body.items).toHaveLength(1);
  });

  it('refuses a bad filter and an anonymous caller', async () => {
    const bad = await list('?status=open').expect(400);
    expect(bad.body.field).toBe('status');
    await list('?limit=0').expect(400);
    await request(api.server).get('/api/v1/alerts').expect(401);
  });

  it('shows a connector alert with the facts of its message instead of finding counts', async () => {
    await api.app.get(AlertsService).evaluate('status:1', {
      connectors: [{ id: 'crm', health: { up: false, detail: 'connect ECONNREFUSED' }, snapshots: [] }],
    });
    const res = await list('?status=firing').expect(200);
    const connector = res.body.items.find((a: { ruleId: string }) => a.ruleId === 'connector:crm');
    expect(connector).toMatchObject({
      alertKey: 'connector-health:connector:crm:#integration-eng',
      status: 'firing',
      domain: 'connectors',
      severity: 'high',
      counts: null,
      facts: [
        { label: 'Health', value: 'down: connect ECONNREFUSED' },
        { label: 'Last complete snapshot (limit 6.0 h)', value: 'all within the limit' },
      ],
      acknowledgedBy: null,
    });
  });
});
