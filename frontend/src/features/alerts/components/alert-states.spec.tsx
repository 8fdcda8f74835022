import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { renderApp } from '../../../test/render-app';

const state = (over: Record<string, unknown> = {}) => ({
  alertKey: 'credit-ops:credit.hold-visibility:#credit-ops',
  alertRuleId: 'credit-ops',
  ruleId: 'credit.hold-visibility',
  channel: '#credit-ops',
  messageUrl: 'https://acme.slack.com/archives/C0123/p1700000000000100',
  status: 'firing',
  title: 'Credit holds not visible in CRM',
  severity: 'critical',
  domain: 'credit',
  counts: { new: 1, open: 3, resolved: 0 },
  facts: [],
  firstFiredAt: '2026-12-01T10:00:00Z',
  lastNotifiedAt: '2026-12-01T10:00:00Z',
  resolvedAt: null,
  acknowledgedBy: 'slack:U42 (ana)',
  acknowledgedAt: '2026-12-01T10:05:00Z',
  escalatedAt: null,
  snoozedUntil: null,
  updatedAt: '2026-12-01T11:00:00Z',
  ...over,
});

const routes = (alerts: unknown) => ({
  'GET /health/ready': { status: 'ok', checks: [] },
  'GET /api/v1/alerts/silences': [],
  'GET /api/v1/alerts/deliveries/daily': [],
  'GET /api/v1/alerts/deliveries': [],
  'GET /api/v1/alerts': alerts,
});

describe('alerts now', () => {
  it('lists firing alerts with their findings, who took them and a way to their exceptions; all on request', async () => {
    const sla = state({
      alertKey: 'order-ops:order.status-propagation-sla:#order-ops',
      ruleId: 'order.status-propagation-sla',
      title: 'Order status late in CRM',
      severity: 'medium',
      counts: null,
      facts: [{ label: 'Breaches', value: '4' }],
      acknowledgedBy: null,
      acknowledgedAt: null,
      messageUrl: null,
    });
    const { calls } = renderApp('/alerts', routes({ slackConfigured: true, items: [state(), sla] }));
    const row = (await screen.findByText('Credit holds not visible in CRM')).closest('tr') as HTMLElement;
    expect(within(row).getByRole('link', { name: 'credit.hold-visibility' })).toHaveAttribute(
      'href',
      '/exceptions?ruleId=credit.hold-visibility',
    );
    expect(within(row).getByText('3 open, 1 new')).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'open message' })).toHaveAttribute(
      'href',
      'https://acme.slack.com/archives/C0123/p1700000000000100',
    );
    expect(within(row).getByText('slack:U42 (ana)')).toBeTruthy();
    const slaRow = screen.getByText('Order status late in CRM').closest('tr') as HTMLElement;
    expect(within(slaRow).getByText('Breaches: 4')).toBeTruthy();
    expect(within(slaRow).getByText('not acknowledged')).toBeTruthy();
    expect(within(slaRow).queryByRole('link')).toBeNull();

    const states = () => calls.filter((c) => c.url.pathname === '/api/v1/alerts');
    expect(states()[0].url.searchParams.get('status')).toBe('firing');
    fireEvent.change(screen.getByLabelText('Show'), { target: { value: 'all' } });
    await waitFor(() => expect(states()[states().length - 1].url.searchParams.get('status')).toBe('all'));
  });

  it('says why the list is empty when Slack is not configured', async () => {
    renderApp('/alerts', routes({ slackConfigured: false, items: [] }));
    expect(await screen.findByText(/Slack is not configured/)).toBeTruthy();
  });
});
