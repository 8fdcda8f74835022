import { fireEvent, screen, within } from '@testing-library/react';
import { failing, renderApp } from '../../../test/render-app';

const digests = [
  {
    id: 'ops-leads-daily',
    description: "Yesterday's drift",
    channel: '#ops-leads',
    schedule: '0 7 * * 1-5',
    days: 1,
    systems: [],
    topRules: 5,
  },
  {
    id: 'erp-weekly',
    description: 'The ERP week',
    channel: '#erp',
    schedule: '0 7 * * 1',
    days: 7,
    systems: ['erp'],
    topRules: 10,
  },
];

const routes = (send: unknown) => ({
  'GET /health/ready': { status: 'ok', checks: [] },
  'GET /api/v1/alerts/silences': [],
  'GET /api/v1/alerts/deliveries/daily': [],
  'GET /api/v1/alerts/deliveries': [],
  'GET /api/v1/alerts': { slackConfigured: true, items: [] },
  'GET /api/v1/alerts/digests': digests,
  'POST /api/v1/alerts/digests/ops-leads-daily/send': send,
});

describe('digests on the alerts page', () => {
  it('lists each digest with its channel, schedule and days, and sends one now with the outcome said', async () => {
    const { calls } = renderApp(
      '/alerts',
      routes({
        digestId: 'ops-leads-daily',
        channel: '#ops-leads',
        status: 'sent',
        detail: null,
        fromDay: '2026-12-02',
        toDay: '2026-12-02',
        messageTs: '1796200000.000100',
      }),
    );
    const table = await screen.findByRole('table', { name: 'Digests' });
    const weekly = within(table).getByText('erp-weekly').closest('tr') as HTMLElement;
    expect(within(weekly).getByText('the 7 days before · erp')).toBeTruthy();
    expect(within(weekly).getByText('0 7 * * 1')).toBeTruthy();
    const daily = within(table).getByText('ops-leads-daily').closest('tr') as HTMLElement;
    expect(within(daily).getByText('the day before')).toBeTruthy();
    fireEvent.click(within(daily).getByRole('button', { name: 'Send ops-leads-daily now' }));
    expect(await within(daily).findByRole('status')).toHaveTextContent('Sent to #ops-leads (2026-12-02).');
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.url.pathname)).toEqual([
      '/api/v1/alerts/digests/ops-leads-daily/send',
    ]);
  });

  it('says when a digest was held', async () => {
    renderApp(
      '/alerts',
      routes({
        digestId: 'ops-leads-daily',
        channel: '#ops-leads',
        status: 'held',
        detail: 'slack_not_configured',
        fromDay: '2026-12-02',
        toDay: '2026-12-02',
        messageTs: null,
      }),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Send ops-leads-daily now' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Held: slack_not_configured. Nothing went to #ops-leads.',
    );
  });

  it('shows the API error of a refused send', async () => {
    renderApp('/alerts', routes(failing(404, 'no digest ops-leads-daily')));
    fireEvent.click(await screen.findByRole('button', { name: 'Send ops-leads-daily now' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('no digest ops-leads-daily');
  });

  it('offers viewers no send button', async () => {
    renderApp('/alerts', routes(undefined), 'viewer');
    await screen.findByRole('table', { name: 'Digests' });
    expect(screen.queryByRole('button', { name: /Send .* now/ })).toBeNull();
  });
});
