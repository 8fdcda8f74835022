import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, WebClient } from '@slack/web-api';
import { startEstate, type RunningEstate } from '../../estate/estate';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An app's interactivity endpoint on loopback: records what the workspace sends, answers `answer`. */
async function startApp(answer: {
  status: number;
  body: string;
}): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/interactivity`, received, server };
}

const BLOCKS = [
  { type: 'header', text: { type: 'plain_text', text: 'Credit holds not visible in CRM' } },
  {
    type: 'section',
    text: { type: 'mrkdwn', text: ':red_circle: *Credit holds* <script>x</script> `credit.hold`' },
    fields: [{ type: 'mrkdwn', text: '*Open*\n3' }],
  },
  {
    type: 'actions',
    block_id: 'alert:credit-ops',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Acknowledge' },
        action_id: 'alert.acknowledge',
        value: 'credit-ops:credit-hold:#credit-ops',
        style: 'primary',
      },
    ],
  },
  {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: '<http://127.0.0.1:3000/exceptions?rule=a&b=1|Open in Driftwatch>' }],
  },
];

describe('Slack workspace (Web API subset and its page) over HTTP', () => {
  let estate: RunningEstate;
  let app: Awaited<ReturnType<typeof startApp>>;
  const signingSecret = 'demo-signing-secret';
  const client = () =>
    new WebClient(estate.slack!.botToken, { slackApiUrl: estate.slack!.apiUrl, retryConfig: { retries: 0 } });

  beforeAll(async () => {
    app = await startApp({ status: 200, body: JSON.stringify({ text: 'Acknowledged by slack:U0DEMO0001' }) });
    estate = await startEstate({ customers: 10, seed: 5, slack: { interactivity: { url: app.url, signingSecret } } });
  });

  afterAll(async () => {
    await estate.stop();
    await new Promise<void>((resolve) => app.server.close(() => resolve()));
  });

  it('is off unless asked for', async () => {
    const plain = await startEstate({ customers: 10, seed: 5 });
    try {
      expect(plain.slack).toBeNull();
    } finally {
      await plain.stop();
    }
  });

  it("posts, updates and threads through Slack's own client, and reads them back", async () => {
    const slack = client();
    const posted = await slack.chat.postMessage({
      channel: '#credit-ops',
      text: 'Credit holds: 3 open',
      blocks: BLOCKS,
    });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toMatch(/^C0DEMO/);
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    const reply = await slack.chat.postMessage({
      channel: posted.channel!,
      text: 'Still firing',
      thread_ts: posted.ts,
    });
    expect(reply.ts! > posted.ts!).toBe(true);
    await slack.chat.update({
      channel: posted.channel!,
      ts: posted.ts!,
      text: 'Credit holds: resolved',
      blocks: BLOCKS,
    });

    const history = await slack.conversations.history({ channel: posted.channel! });
    expect(history.messages).toHaveLength(1);
    expect(history.messages?.[0]).toMatchObject({ ts: posted.ts, text: 'Credit holds: resolved', reply_count: 1 });
    expect(history.messages?.[0]?.edited).toBeDefined();
    const list = await slack.conversations.list();
    expect(list.channels?.map((c) => c.name)).toContain('credit-ops');

    await slack.chat.delete({ channel: posted.channel!, ts: posted.ts! });
    expect((await slack.conversations.history({ channel: posted.channel! })).messages).toHaveLength(0);
    await expect(slack.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'again' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('answers mistakes with the codes Slack uses', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: estate.slack!.apiUrl, retryConfig: { retries: 0 } });
    await expect(wrong.chat.postMessage({ channel: '#x', text: 'hi' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'invalid_auth' },
    });
    const slack = client();
    await expect(
      slack.chat.postMessage({ channel: '#x', text: 'a', blocks: [{ type: 'marquee' }] as never }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    await expect(slack.chat.postMessage({ channel: '#x', text: ' ' })).rejects.toMatchObject({
      data: { error: 'no_text' },
    });
    await expect(slack.chat.update({ channel: '#x', ts: '1.000001', text: 'a' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    await expect(slack.chat.update({ channel: 'C9NONE', ts: '1.000001', text: 'a' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(slack.chat.postMessage({ channel: '#x', text: 'a'.repeat(40_001) })).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
    // A reply to a message that is gone lands in the channel itself.
    const orphan = await slack.chat.postMessage({ channel: '#x', text: 'still firing', thread_ts: '1.000001' });
    expect(orphan.message?.thread_ts).toBeUndefined();
  });

  it('throttles with 429 and Retry-After when told to', async () => {
    await fetch(`${estate.slack!.baseUrl}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ next: ['throttle'], retryAfterSeconds: 7 }),
    });
    const res = await fetch(`${estate.slack!.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${estate.slack!.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: '#x', text: 'hi' }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('shows the channel as a page, rendering Block Kit with its text escaped', async () => {
    const posted = await client().chat.postMessage({ channel: '#order-ops', text: 'Order status', blocks: BLOCKS });
    const html = await (await fetch(`${estate.slack!.baseUrl}/?channel=${posted.channel}`)).text();
    expect(html).toContain('<h1># order-ops</h1>');
    expect(html).toContain('<h3>Credit holds not visible in CRM</h3>');
    expect(html).toContain(
      '<span class="emoji" style="color:#e01e5a">●</span> <b>Credit holds</b> &#60;script&#62;x&#60;/script&#62; <code>credit.hold</code>',
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('<b>Open</b><br>3');
    expect(html).toContain(
      '<a href="http://127.0.0.1:3000/exceptions?rule=a&#38;b=1" target="_blank" rel="noopener">Open in Driftwatch</a>',
    );
    expect(html).toContain('<input type="hidden" name="action_id" value="alert.acknowledge">');
  });

  it("sends a clicked button to the app signed as Slack signs it, and shows the app's answer", async () => {
    const slack = client();
    const posted = await slack.chat.postMessage({
      channel: '#integration-eng',
      text: 'Connector down',
      blocks: BLOCKS,
    });
    app.received.length = 0;
    const form = new URLSearchParams({
      channel: posted.channel!,
      ts: posted.ts!,
      action_id: 'alert.acknowledge',
      value: 'credit-ops:credit-hold:#credit-ops',
      block_id: 'alert:credit-ops',
    });
    const res = await fetch(`${estate.slack!.baseUrl}/ui/actions`, { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/?channel=${posted.channel}#m${posted.ts}`);

    expect(app.received).toHaveLength(1);
    const { headers, body } = app.received[0];
    const timestamp = String(headers['x-slack-request-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(10);
    const expected = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    expect(headers['x-slack-signature']).toBe(expected);
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    const payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '') as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0DEMO0001', username: 'ops.lead' },
      channel: { id: posted.channel, name: 'integration-eng' },
      message: { ts: posted.ts },
      actions: [
        { action_id: 'alert.acknowledge', value: 'credit-ops:credit-hold:#credit-ops', block_id: 'alert:credit-ops' },
      ],
    });

    const html = await (await fetch(`${estate.slack!.baseUrl}/?channel=${posted.channel}`)).text();
    expect(html).toContain('Driftwatch answered <b>200</b> to alert.acknowledge: Acknowledged by slack:U0DEMO0001');
  });

  it('refuses a click on a message it does not hold', async () => {
    const res = await fetch(`${estate.slack!.baseUrl}/ui/actions`, {
      method: 'POST',
      body: new URLSearchParams({ channel: 'C9NONE', ts: '1.000001', action_id: 'x' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error: 'message_not_found' });
  });
});
