import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { credentialStore } from '../api/credential-store';
import { routes } from '../router';

function renderAt(path: string, fetchImpl: typeof fetch) {
  globalThis.fetch = fetchImpl;
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}

const respond = (status: number, body: unknown): typeof fetch =>
  // jsdom has no fetch or Response: a minimal stand-in for the one response the shell reads.
  jest.fn(async () => ({ ok: status < 400, status, statusText: String(status), json: async () => body }) as Response);

describe('app shell', () => {
  it('shows navigation and a healthy backend', async () => {
    renderAt('/', respond(200, { status: 'ok', checks: [{ name: 'redis', up: true, latencyMs: 1 }] }));
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Exceptions' })).toHaveAttribute('href', '/exceptions');
    expect(await screen.findByText('All systems answering')).toBeInTheDocument();
  });

  it('names the store that is down', async () => {
    renderAt(
      '/exceptions',
      respond(503, { status: 'unavailable', checks: [{ name: 'clickhouse', up: false, latencyMs: 2000 }] }),
    );
    expect(await screen.findByText('Down: clickhouse')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Exceptions' })).toBeInTheDocument();
  });

  it('says when the backend cannot be reached', async () => {
    renderAt(
      '/',
      jest.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    expect(await screen.findByText('Backend unreachable')).toBeInTheDocument();
  });

  it('says inside the shell that a path has no page, with the way back', async () => {
    credentialStore.set('dwk_test_credential');
    renderAt('/findings?domain=contact', respond(200, { status: 'ok', checks: [] }));
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByText('/findings')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to the overview' })).toHaveAttribute('href', '/');
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
  });
});
