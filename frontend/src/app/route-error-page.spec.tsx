import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { credentialStore } from '../api/credential-store';
import { routes } from '../router';

// The rules page's code cannot be loaded, as when its chunk is gone after a redeploy.
jest.mock('../features/rules/components/rules-page', () => {
  throw new Error('Failed to fetch dynamically imported module: /assets/rules-page-1a2b3c.js');
});

describe('a page that fails to load', () => {
  it('is said inside the shell, with the reason and a reload', async () => {
    // The router logs the error it caught; expected here, so kept out of the test output.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warned = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    globalThis.fetch = jest.fn(
      async () =>
        ({ ok: true, status: 200, statusText: '200', json: async () => ({ status: 'ok', checks: [] }) }) as Response,
    );
    credentialStore.set('dwk_test_credential');
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <RouterProvider router={createMemoryRouter(routes, { initialEntries: ['/rules'] })} />
      </QueryClientProvider>,
    );
    expect(await screen.findByRole('heading', { name: 'This page failed to load' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Failed to fetch dynamically imported module');
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    // jsdom cannot reload a page; that the button is there and enabled is what can be checked here.
    expect(screen.getByRole('button', { name: 'Reload' })).toBeEnabled();
    logged.mockRestore();
    warned.mockRestore();
  });
});
