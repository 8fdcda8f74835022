import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { startEstate, type RunningEstate } from '@driftwatch/demo-estate';
import { AlertsService } from '../../../backend/src/modules/alerts/alerts.service';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { creditGroup } from './support/finding-groups';

const SECRET = 'demo-workspace-signing-secret';
const ALERT_KEY = 'credit-ops:credit-hold-visible:#credit-ops';

/** The hidden inputs of the form whose button reads `label`, as a browser would submit them. */
function buttonForm(html: string, label: string): URLSearchParams {
  const form = html.split('<form ').find((f) => f.includes(`>${label}</button>`));
  if (!form) throw new Error(`no "${label}" button on the page`);
  const fields = new URLSearchParams();
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(
      m[1],
      m[2].replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))),
    );
  }
  return fields;
}

describe("The demo estate's Slack workspace with the real backend (alert posted, button clicked, message redrawn)", () => {
  let estate: RunningEstate;
  let api: ApiTestApp;
  let slack: WebClient;

  beforeAll(async () => {
    estate = await startEstate({ customers: 10, seed: 9, slack: {} });
    api = await startApiApp({
      SLACK_BOT_TOKEN: estate.slack!.botToken,
      SLACK_API_URL: estate.slack!.apiUrl,
      SLACK_SIGNING_SECRET: SECRET,
    });
    const port = (api.server.address() as AddressInfo).port;
    estate.slack!.server.setInteractivity({
      url: `http://127.0.0.1:${port}/api/v1/slack/interactivity`,
      signingSecret: SECRET,
    });
    slack = new WebClient(estate.slack!.botToken, { slackApiUrl: estate.slack!.apiUrl });
  });

  afterAll(async () => {
    await api?.close();
    await estate?.stop();
  });

  it('shows the alert in its channel, and Acknowledge reaches Driftwatch, which redraws the message', async () => {
    await api.app
      .get(AlertsService)
      .evaluateRun('run-1', [creditGroup('credit-hold-visible', 'Credit holds not visible in CRM', 4)]);
    const channels = await slack.conversations.list();
    const channel = channels.channels?.find((c) => c.name === 'credit-ops');
    expect(channel).toBeDefined();
    const [message] = (await slack.conversations.history({ channel: channel!.id! })).messages ?? [];
    expect(message?.text).toContain('Credit holds not visible in CRM');
    expect(message?.edited).toBeUndefined();

    const page = await (await fetch(`${estate.slack!.baseUrl}/?channel=${channel!.id}`)).text();
    const click = await fetch(`${estate.slack!.baseUrl}/ui/actions`, {
      method: 'POST',
      body: buttonForm(page, 'Acknowledge'),
      redirect: 'manual',
    });
    expect(click.status).toBe(303);

    const after = await (await fetch(`${estate.slack!.baseUrl}${click.headers.get('location')}`)).text();
    expect(after).toContain(
      'Driftwatch answered <b>200</b> to alert.acknowledge: Acknowledged by slack:U0DEMO0001 (ops.lead)',
    );
    const [redrawn] = (await slack.conversations.history({ channel: channel!.id! })).messages ?? [];
    expect(redrawn?.ts).toBe(message?.ts);
    expect(redrawn?.edited).toBeDefined();
    expect(JSON.stringify(redrawn?.blocks)).toContain('Acknowledged by slack:U0DEMO0001 (ops.lead)');
    const [state] = await api.sql<{ acknowledged_by: string }>(
      'SELECT acknowledged_by FROM alert_states WHERE alert_key = $1',
      [ALERT_KEY],
    );
    expect(state?.acknowledged_by).toBe('slack:U0DEMO0001 (ops.lead)');

    // The alerts page links to the message, as the workspace's chat.getPermalink gave it.
    const { key } = await api.key(['viewer']);
    const res = await fetch(`http://127.0.0.1:${(api.server.address() as AddressInfo).port}/api/v1/alerts`, {
      headers: { 'x-api-key': key },
    });
    const alertsNow = (await res.json()) as { items: { alertKey: string; messageUrl: string | null }[] };
    expect(alertsNow.items.find((a) => a.alertKey === ALERT_KEY)?.messageUrl).toBe(
      `${estate.slack!.baseUrl}/?channel=${channel!.id}#m${message.ts}`,
    );
  });

  it('goes on in a new message when someone deleted the alert message, and edits that one from then on', async () => {
    const alerts = api.app.get(AlertsService);
    const group = (open: number) => creditGroup('credit.terms-and-limit-match', 'Credit terms differ', open);
    const key = 'credit-ops:credit.terms-and-limit-match:#credit-ops';
    const stateOf = async () =>
      (
        await api.sql<{ message_ts: string | null; message_url: string | null }>(
          'SELECT message_ts, message_url FROM alert_states WHERE alert_key = $1',
          [key],
        )
      )[0];
    const historyOf = async () => {
      const channel = (await slack.conversations.list()).channels?.find((c) => c.name === 'credit-ops');
      return (await slack.conversations.history({ channel: channel!.id! })).messages ?? [];
    };
    await alerts.evaluateRun('run-terms-1', [group(2)]);
    const first = await stateOf();
    const channel = (await slack.conversations.list()).channels?.find((c) => c.name === 'credit-ops')!.id;
    await slack.chat.delete({ channel: channel!, ts: first.message_ts! });

    // The count changes: chat.update answers message_not_found, so the alert is posted anew.
    const outcome = await alerts.evaluateRun('run-terms-2', [group(3)]);
    expect(outcome).toMatchObject({ sent: 1, failed: 0 });
    const second = await stateOf();
    expect(second?.message_ts).not.toBe(first?.message_ts);
    expect(second?.message_url).toBe(`${estate.slack!.baseUrl}/?channel=${channel}#m${second.message_ts}`);
    const reposted = (await historyOf()).find((m) => m.ts === second?.message_ts);
    expect(reposted?.text).toContain('3 open');
    expect(reposted?.edited).toBeUndefined();

    await alerts.evaluateRun('run-terms-3', [group(4)]);
    const edited = (await historyOf()).find((m) => m.ts === second?.message_ts);
    expect(edited?.text).toContain('4 open');
    expect(edited?.edited).toBeDefined();
    expect((await stateOf())?.message_ts).toBe(second?.message_ts);
    expect((await stateOf())?.message_url).toBe(second?.message_url);

    // Acknowledged after its message was deleted: the decision stands, the message is forgotten.
    await slack.chat.delete({ channel: channel!, ts: second.message_ts! });
    await alerts.acknowledge(key, 'slack:U0DEMO0001 (ops.lead)');
    expect(await stateOf()).toEqual({ message_ts: null, message_url: null });
    const deliveries = await api.sql<{ status: string }>(
      `SELECT status FROM alert_deliveries WHERE alert_key = $1 ORDER BY created_at`,
      [key],
    );
    expect(deliveries.map((d) => d.status)).toEqual(['sent', 'sent', 'sent']);
  });
});
