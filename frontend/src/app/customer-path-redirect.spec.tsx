import { waitFor } from '@testing-library/react';
import { failing, renderApp } from '../test/render-app';

describe('a customer path', () => {
  it('opens that customer on the Customer 360 page', async () => {
    const { calls, location } = renderApp('/customers/C000123', {
      'GET /health/ready': { status: 'ok', checks: [] },
      'GET /api/v1/customers/C000123': failing(404, 'no system holds customer C000123'),
    });
    await waitFor(() => expect(location.current?.search).toBe('?customer=C000123'));
    expect(location.current?.pathname).toBe('/customers');
    await waitFor(() => expect(calls.map((c) => c.url.pathname)).toContain('/api/v1/customers/C000123'));
  });
});
