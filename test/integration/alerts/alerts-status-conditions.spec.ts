import type { ConnectorView, SlaRouteView } from '../../../backend/src/modules/alerts/alert-evaluator';
import { AlertsRepository } from '../../../backend/src/modules/alerts/alerts.repository';
import { AlertsService } from '../../../backend/src/modules/alerts/alerts.service';
import { SlackTransport } from '../../../backend/src/modules/alerts/slack/slack-transport';
import { startAlertStore, type AlertStore } from './support/alert-store';
import { SlackReceiver } from './support/slack-receiver';

const T0 = new Date('2026-11-29T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const orderRoute = (p95Seconds: number, breaches = 1): SlaRouteView => ({
  ruleId: 'order.status-propagation-sla',
  route: 'erp_to_crm_order_status',
  fromSystem: 'erp',
  toSystem: 'crm',
  withinSeconds: 900,
  severity: 'high',
  domain: 'order',
  events: 200,
  delivered: 198,
  breaches,
  pending: 0,
  p50Seconds: 60,
  p95Seconds,
  maxSeconds: p95Seconds * 2,
});
const sla = (route: SlaRouteView) =>
  new Map([
    [60, [route]],
    [1440, [route]],
  ]);
const crm = (up: boolean, ageSeconds = 600): ConnectorView => ({
  id: 'crm',
  health: up ? { up } : { up, detail: 'connect ECONNREFUSED 127.0.0.1:4101' },
  snapshots: [{ entity: 'customer', schedules: [{}], lastComplete: {}, ageSeconds }],
});

describe('SLA and connector alerts (default rules) to a Slack-compatible receiver, state in Postgres', () => {
  let store: AlertStore;
  let receiver: SlackReceiver;
  let repository: AlertsRepository;
  let service: AlertsService;

  beforeAll(async () => {
    store = await startAlertStore();
    repository = store.repository;
    receiver = new SlackReceiver();
    const apiUrl = await receiver.start();
    service = await store.service(
      new SlackTransport({ botToken: 'xoxb-test-token', apiUrl, retries: 2, timeoutMs: 5000 }),
    );
  });

  beforeEach(async () => {
    receiver.clear();
    await store.clear();
  });

  afterAll(async () => {
    await receiver?.stop();
    await store?.close();
  });

  it('posts a p95 latency alert for the route, stays quiet while it is unchanged, updates and resolves in place', async () => {
    await service.evaluate('status:1', { slaByWindow: sla(orderRoute(1800)) }, T0);
    expect(receiver.calls.map((c) => [c.method, c.args.channel])).toEqual([['chat.postMessage', '#order-ops']]);
    expect(receiver.calls[0]?.problems).toEqual([]);
    expect(String(receiver.calls[0]?.args.text)).toBe(
      'SLA p95 latency erp → crm (erp_to_crm_order_status): p95 latency (60 min) 30 min, Threshold above 15 min, ' +
        'Route limit 15 min, Breaches 1 of 200 judged',
    );
    expect(JSON.stringify(receiver.calls[0]?.args.blocks)).toContain('/sla?route=erp_to_crm_order_status');
    const ts =
      receiver.calls[0]?.args.ts ??
      (await repository.findState('order-status-latency:order.status-propagation-sla:#order-ops'))?.messageTs;

    await service.evaluate('status:2', { slaByWindow: sla(orderRoute(1800)) }, at(5));
    expect(receiver.calls).toHaveLength(1);

    await service.evaluate('status:3', { slaByWindow: sla(orderRoute(2400)) }, at(10));
    await service.evaluate('status:4', { slaByWindow: sla(orderRoute(300)) }, at(15));
    expect(receiver.calls.map((c) => [c.method, c.args.ts ?? null, c.problems.length])).toEqual([
      ['chat.postMessage', null, 0],
      ['chat.update', ts, 0],
      ['chat.update', ts, 0],
    ]);
    expect(String(receiver.calls[2]?.args.text)).toMatch(/^Resolved: SLA p95 latency/);
  });

  it('fires the breach-rate alert on its own window and resolves it when the rate drops', async () => {
    // 12 of 200 judged events breached: 6 % > 5 %; p95 is fine, so only the breach-rate rule fires.
    await service.evaluate('status:1', { slaByWindow: sla(orderRoute(300, 12)) }, T0);
    expect(receiver.calls.map((c) => String(c.args.text).split(':')[0])).toEqual([
      'SLA breach rate erp → crm (erp_to_crm_order_status)',
    ]);
    await service.evaluate('status:2', { slaByWindow: sla(orderRoute(300, 2)) }, at(5));
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(
      (await repository.findState('order-status-breach-rate:order.status-propagation-sla:#order-ops'))?.status,
    ).toBe('resolved');
  });

  it('posts once when a connector goes down, not again while it stays down, resolves when it is back', async () => {
    await service.evaluate('status:1', { connectors: [crm(false)] }, T0);
    await service.evaluate('status:2', { connectors: [crm(false)] }, at(5));
    expect(receiver.calls.map((c) => [c.method, c.args.channel])).toEqual([['chat.postMessage', '#integration-eng']]);
    expect(String(receiver.calls[0]?.args.text)).toContain('Connector crm: health check failing');
    expect(String(receiver.calls[0]?.args.text)).toContain('ECONNREFUSED');
    await service.evaluate('status:3', { connectors: [crm(true)] }, at(10));
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(String(receiver.calls[1]?.args.text)).toMatch(/^Resolved: /);
    expect(receiver.calls.every((c) => c.problems.length === 0)).toBe(true);
  });

  it('alerts on a stale last complete snapshot and escalates it when nobody acknowledges', async () => {
    await service.evaluate('status:1', { connectors: [crm(true, 7 * 3600)] }, T0);
    await service.evaluate('status:2', { connectors: [crm(true, 8 * 3600)] }, at(61));
    expect(receiver.calls.map((c) => [c.method, c.args.channel])).toEqual([
      ['chat.postMessage', '#integration-eng'],
      ['chat.postMessage', '#ops-leads'],
    ]);
    expect(String(receiver.calls[0]?.args.text)).toContain('customer: 7.0 h ago');
  });

  it('does not touch SLA or connector alerts when a reconciliation run is evaluated', async () => {
    await service.evaluate('status:1', { connectors: [crm(false)] }, T0);
    await service.evaluateRun('run-1', [], at(5));
    expect(receiver.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect((await repository.findState('connector-health:connector:crm:#integration-eng'))?.status).toBe('firing');
  });
});
