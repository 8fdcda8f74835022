import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import request from 'supertest';
import { startEstate, type RunningEstate } from '@driftwatch/demo-estate';
import { AlertsRepository } from '../../../backend/src/modules/alerts/alerts.repository';
import { ALERTS_SETTINGS, AlertsService } from '../../../backend/src/modules/alerts/alerts.service';
import { DriftDigestService } from '../../../backend/src/modules/alerts/drift-digest.service';
import { SlackTransport } from '../../../backend/src/modules/alerts/slack/slack-transport';
import { DashboardService } from '../../../backend/src/modules/dashboard/dashboard.service';
import type { FindingObservation } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';

const RULE = 'customer.digest-history';
const DAY = 86_400_000;
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

const finding = (i: number): FindingObservation => ({
  ruleId: RULE,
  ruleVersion: 1,
  entity: 'customer',
  matchKey: `D${i}`,
  field: 'legal_name',
  kind: 'mismatch',
  ownerSystem: 'erp',
  expectedValue: 'A',
  actualSystem: 'crm',
  actualValue: 'B',
  details: '{}',
  score: 1,
  severity: 'high',
  domain: 'customer',
});

describe('drift digests: the overview in Slack on a schedule and on demand (real app, Postgres, demo Slack workspace)', () => {
  let estate: RunningEstate;
  let api: ApiTestApp;
  let slack: WebClient;
  let engineer: string;
  let viewer: string;
  const today = dayOf(Date.now());
  const yesterday = dayOf(Date.now() - DAY);

  /** The #ops-leads messages, oldest first, as Slack's own client reads them. */
  async function opsLeads(): Promise<{ text?: string; blocks?: unknown[] }[]> {
    const channel = (await slack.conversations.list()).channels?.find((c) => c.name === 'ops-leads');
    if (!channel?.id) return [];
    return ((await slack.conversations.history({ channel: channel.id })).messages ?? []).reverse();
  }

  beforeAll(async () => {
    estate = await startEstate({ customers: 10, seed: 4, slack: {} });
    api = await startApiApp({ SLACK_BOT_TOKEN: estate.slack!.botToken, SLACK_API_URL: estate.slack!.apiUrl });
    slack = new WebClient(estate.slack!.botToken, { slackApiUrl: estate.slack!.apiUrl });
    engineer = (await api.key(['engineer'])).key;
    viewer = (await api.key(['viewer'])).key;
    // Five findings opened three days ago; yesterday a run saw two of them again, two new ones, and
    // resolved the other three. Open: 5 at yesterday's start, 4 at its end and now.
    const findings = api.app.get(FindingsMergeRepository);
    await findings.upsertBatch(randomUUID(), new Date(Date.now() - 3 * DAY), [1, 2, 3, 4, 5].map(finding));
    const yesterdayNoon = new Date(Date.parse(`${yesterday}T12:00:00Z`));
    const run = randomUUID();
    await findings.upsertBatch(run, yesterdayNoon, [1, 2, 6, 7].map(finding));
    await findings.resolveUnseen(run, yesterdayNoon, { rules: [{ id: RULE, version: 1 }] });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await estate?.stop();
  });

  it('lists the digests of the alert rules file', async () => {
    const res = await request(api.server).get('/api/v1/alerts/digests').set('X-API-Key', viewer).expect(200);
    expect(res.body).toEqual([
      expect.objectContaining({ id: 'ops-leads-daily', channel: '#ops-leads', schedule: '0 7 * * 1-5', days: 1 }),
      expect.objectContaining({ id: 'ops-leads-weekly', days: 7, topRules: 10, systems: [] }),
    ]);
  });

  it("posts a scheduled slot's digest of yesterday once, however often its job runs", async () => {
    const digests = api.app.get(DriftDigestService);
    const slot = new Date(`${today}T07:00:00.000Z`);
    const first = await digests.sendScheduled('ops-leads-daily', slot);
    expect(first).toEqual(
      expect.objectContaining({ status: 'sent', fromDay: yesterday, toDay: yesterday, channel: '#ops-leads' }),
    );
    // Bull retrying the job (or a second worker taking it) finds the slot sent.
    expect((await digests.sendScheduled('ops-leads-daily', slot)).status).toBe('already_sent');

    const messages = await opsLeads();
    expect(messages).toHaveLength(1);
    expect(messages[0].text).toBe(
      `Drift digest · ${yesterday}: 4 open findings, 2 opened, 3 resolved, auto-heal 0.0% (0 of 3 by fix-ups)`,
    );
    const blocks = JSON.stringify(messages[0].blocks);
    expect(blocks).toContain('*4 open findings now* (high 4)');
    expect(blocks).toContain('*Open over the period*\\n5 → 4 (▼ 1)');
    expect(blocks).toContain(`• \`${RULE}\` · high · 4 open, 2 new`);
    const [delivery] = await api.sql<{ action: string; status: string; run_id: string; message_ts: string }>(
      `SELECT action, status, run_id, message_ts FROM alert_deliveries WHERE alert_key = 'digest:ops-leads-daily'`,
    );
    expect(delivery).toEqual(
      expect.objectContaining({ action: 'digest', status: 'sent', run_id: `digest:${slot.toISOString()}` }),
    );
    expect(delivery.message_ts).toMatch(/^\d+\.\d+$/);
  });

  it('sends one now from the API (engineers), covering today so far, and answers what it did', async () => {
    const res = await request(api.server)
      .post('/api/v1/alerts/digests/ops-leads-weekly/send')
      .set('X-API-Key', engineer)
      .expect(200);
    expect(res.body).toEqual(
      expect.objectContaining({
        digestId: 'ops-leads-weekly',
        status: 'sent',
        fromDay: dayOf(Date.now() - 6 * DAY),
        toDay: today,
        detail: null,
      }),
    );
    const latest = (await opsLeads()).at(-1);
    // The week: 7 opened (5 three days ago, 2 yesterday), 3 resolved; 0 open at its start.
    expect(latest?.text).toMatch(
      /^Drift digest · \d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}: 4 open findings, 7 opened, 3 resolved/,
    );
    expect(JSON.stringify(latest?.blocks)).toContain('0 → 4 (▲ 4)');
    const deliveries = await request(api.server)
      .get('/api/v1/alerts/deliveries?alertKey=digest:ops-leads-weekly')
      .set('X-API-Key', viewer)
      .expect(200);
    expect(deliveries.body).toEqual([expect.objectContaining({ action: 'digest', status: 'sent' })]);
  });

  it('refuses an unknown digest (404 naming the known ones) and viewers (403)', async () => {
    const missing = await request(api.server)
      .post('/api/v1/alerts/digests/nope/send')
      .set('X-API-Key', engineer)
      .expect(404);
    expect(missing.body.message).toBe('no digest nope (the alert rules file has ops-leads-daily, ops-leads-weekly)');
    await request(api.server).post('/api/v1/alerts/digests/ops-leads-daily/send').set('X-API-Key', viewer).expect(403);
  });

  it('records a digest Slack refuses as failed, and a scheduled one throws so Bull retries it', async () => {
    const unreachable = new DriftDigestService(
      api.app.get(AlertsService),
      api.app.get(DashboardService),
      api.app.get(AlertsRepository),
      new SlackTransport({ botToken: 'xoxb-revoked', apiUrl: `${estate.slack!.apiUrl}`, retries: 0, timeoutMs: 5000 }),
      api.app.get(ALERTS_SETTINGS),
    );
    const slot = new Date(`${today}T07:01:00.000Z`);
    await expect(unreachable.sendScheduled('ops-leads-daily', slot)).rejects.toThrow(
      'digest ops-leads-daily failed: Slack post to #ops-leads failed: Slack said invalid_auth',
    );
    const [failed] = await api.sql<{ status: string; detail: string }>(
      `SELECT status, detail FROM alert_deliveries WHERE run_id = $1`,
      [`digest:${slot.toISOString()}`],
    );
    expect(failed).toEqual({ status: 'failed', detail: 'Slack post to #ops-leads failed: Slack said invalid_auth' });
    // The retry, with Slack answering again, sends it.
    expect((await api.app.get(DriftDigestService).sendScheduled('ops-leads-daily', slot)).status).toBe('sent');
  });
});
