import type { ConnectorView } from '../../../backend/src/modules/alerts/alert-evaluator';
import { AlertsRepository } from '../../../backend/src/modules/alerts/alerts.repository';
import { SlackTransport } from '../../../backend/src/modules/alerts/slack/slack-transport';
import { startAlertStore, type AlertStore } from './support/alert-store';
import { SlackReceiver } from './support/slack-receiver';

const T0 = new Date('2026-11-29T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const crm = (up: boolean): ConnectorView => ({
  id: 'crm',
  health: up ? { up } : { up, detail: 'connect ECONNREFUSED 127.0.0.1:4101' },
  snapshots: [],
});

describe('alerts through Slack incoming webhooks (no bot token)', () => {
  let store: AlertStore;
  let receiver: SlackReceiver;
  let repository: AlertsRepository;

  beforeAll(async () => {
    store = await startAlertStore();
    repository = store.repository;
    receiver = new SlackReceiver();
    await receiver.start();
  });

  beforeEach(async () => {
    receiver.clear();
    await store.clear();
  });

  afterAll(async () => {
    await receiver?.stop();
    await store?.close();
  });

  const service = (webhooks: Record<string, string>, retries = 2) =>
    store.service(
      new SlackTransport({ botToken: '', apiUrl: 'http://127.0.0.1:9/api/', retries, timeoutMs: 5000, webhooks }),
    );
  const deliveries = async () =>
    (await repository.listDeliveries({ limit: 50 })).map((d) => [d.action, d.status, d.detail]).reverse();

  it('posts to the channel’s webhook, stays quiet while unchanged, and posts the resolution as a new message', async () => {
    const alerts = await service({ '#integration-eng': receiver.webhookUrl('integration-eng') });
    await alerts.evaluate('status:1', { connectors: [crm(false)] }, T0);
    await alerts.evaluate('status:2', { connectors: [crm(false)] }, at(5));
    expect(receiver.calls.map((c) => [c.method, c.problems])).toEqual([['webhook:integration-eng', []]]);
    expect(String(receiver.calls[0]?.args.text)).toContain('Connector crm: health check failing');
    expect(receiver.calls[0]?.args.channel).toBeUndefined();

    // A webhook cannot edit its message: the resolution arrives as a second message, Block Kit intact.
    await alerts.evaluate('status:3', { connectors: [crm(true)] }, at(10));
    expect(receiver.calls.map((c) => [c.method, c.problems])).toEqual([
      ['webhook:integration-eng', []],
      ['webhook:integration-eng', []],
    ]);
    expect(String(receiver.calls[1]?.args.text)).toMatch(/^Resolved: Connector crm/);
    expect((await repository.findState('connector-health:connector:crm:#integration-eng'))?.status).toBe('resolved');
    expect(await deliveries()).toEqual([
      ['post', 'sent', null],
      ['resolve', 'sent', null],
    ]);
  });

  it('waits out a 429 Retry-After and delivers; a hook that keeps failing is recorded as failed, not dropped', async () => {
    const alerts = await service({ '*': receiver.webhookUrl('any') }, 1);
    receiver.failNext({ status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await alerts.evaluate('status:1', { connectors: [crm(false)] }, T0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(receiver.calls.map((c) => c.method)).toEqual(['webhook:any', 'webhook:any']);
    expect(await deliveries()).toEqual([['post', 'sent', null]]);

    await store.dataSource.query('TRUNCATE alert_states, alert_deliveries');
    receiver.clear();
    receiver.failNext({ status: 429, retryAfterSeconds: 1 }, 5);
    await expect(alerts.evaluate('status:2', { connectors: [crm(false)] }, at(5))).rejects.toThrow(/429/);
    expect(await deliveries()).toEqual([
      ['post', 'failed', expect.stringMatching(/^Slack post to #integration-eng failed: webhook answered 429/)],
    ]);
  });

  it('holds alerts for a channel with no webhook, and reports a revoked hook (404 no_service) as failed', async () => {
    const alerts = await service({ '#credit-ops': receiver.webhookUrl('credit-ops') });
    await alerts.evaluate('status:1', { connectors: [crm(false)] }, T0);
    expect(receiver.calls).toEqual([]);
    expect(await deliveries()).toEqual([['post', 'held', 'no_webhook_for_channel']]);

    await store.dataSource.query('TRUNCATE alert_states, alert_deliveries');
    const revoked = await service({ '#integration-eng': receiver.webhookUrl('gone').replace(/gone$/, 'revoked') });
    await expect(revoked.evaluate('status:2', { connectors: [crm(false)] }, at(5))).rejects.toThrow(/404/);
    expect(await deliveries()).toEqual([['post', 'failed', expect.stringContaining('404 no_service')]]);
  });
});
