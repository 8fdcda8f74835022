import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderApp } from '../../../test/render-app';

const delivery = (id: number, alertKey = 'credit-ops:credit.hold-visibility:#credit-ops') => ({
  id: String(id),
  alertKey,
  runId: `run-${id}`,
  action: 'update',
  channel: '#credit-ops',
  status: 'sent',
  detail: null,
  messageTs: '1.0',
  attempts: 1,
  createdAt: '2026-12-01T12:00:00Z',
});

describe('alert history', () => {
  it('loads older deliveries after the last id seen, and narrows to one alert from its key', async () => {
    const { calls } = renderApp('/alerts', {
      'GET /health/ready': { status: 'ok', checks: [] },
      'GET /api/v1/alerts/silences': [],
      'GET /api/v1/alerts/deliveries/daily': [],
      // Each page continues below the id it was asked for (`before`), as the API's pages do.
      'GET /api/v1/alerts/deliveries': ({ url }: { url: URL }) => {
        const top = Number(url.searchParams.get('before') ?? 501) - 1;
        return Array.from({ length: 200 }, (_, i) =>
          delivery(top - i, top === 500 && i === 0 ? 'order-ops:order.status-match:#order-ops' : undefined),
        );
      },
    });
    const lists = () => calls.filter((c) => c.url.pathname === '/api/v1/alerts/deliveries');
    // A page of 200 rows renders in well over findByRole's default second on a loaded CI machine.
    fireEvent.click(await screen.findByRole('button', { name: 'Load older' }, { timeout: 10_000 }));
    await waitFor(() => expect(lists().some((c) => c.url.searchParams.get('before') === '301')).toBe(true));

    fireEvent.click(screen.getAllByRole('button', { name: 'order-ops:order.status-match:#order-ops' })[0]);
    await waitFor(() =>
      expect(lists()[lists().length - 1].url.searchParams.get('alertKey')).toBe(
        'order-ops:order.status-match:#order-ops',
      ),
    );
    expect(await screen.findByRole('button', { name: 'Show every alert' })).toBeTruthy();
  });
});
