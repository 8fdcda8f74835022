import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ApiKey } from '../../../api/api-keys';
import { failing, renderApp } from '../../../test/render-app';

const key = (over: Partial<ApiKey>): ApiKey => ({
  id: '00000000-0000-4000-8000-000000000001',
  keyId: 'aaaaaaaaaaaa',
  name: 'grafana',
  roles: ['viewer'],
  status: 'active',
  createdAt: '2026-11-30T10:00:00Z',
  createdBy: 'api-key:admin',
  expiresAt: null,
  revokedAt: null,
  revokedBy: null,
  lastUsedAt: null,
  ...over,
});

const BASE = { 'GET /health/ready': { status: 'ok', checks: [] } };

describe('API keys page', () => {
  it('creates a key with one role and an expiry, and shows its secret until dismissed', async () => {
    const secret = `dwk_bbbbbbbbbbbb_${'s'.repeat(43)}`;
    const { calls } = renderApp('/api-keys', {
      ...BASE,
      'GET /api/v1/api-keys': { items: [key({})] },
      'POST /api/v1/api-keys': { key: secret, apiKey: key({ id: 'new', keyId: 'bbbbbbbbbbbb', name: 'ops-leads' }) },
    });
    await screen.findByText('grafana');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: ' ops-leads ' } });
    fireEvent.change(screen.getByLabelText('Key role'), { target: { value: 'steward' } });
    fireEvent.change(screen.getByLabelText('Expires'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

    expect((await screen.findByLabelText<HTMLInputElement>('New API key')).value).toBe(secret);
    const post = calls.find((c) => c.method === 'POST');
    const body = post?.body as { name: string; roles: string[]; expiresAt: string };
    expect(body.name).toBe('ops-leads');
    expect(body.roles).toEqual(['steward']);
    const days = (Date.parse(body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    // The list is read again so the new key appears in it.
    await waitFor(() =>
      expect(calls.filter((c) => c.method === 'GET' && c.url.pathname === '/api/v1/api-keys')).toHaveLength(2),
    );

    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByLabelText('New API key')).toBeNull();
  });

  it('revokes after a second click, and hides revoked keys unless asked', async () => {
    const { calls } = renderApp('/api-keys', {
      ...BASE,
      'GET /api/v1/api-keys': {
        items: [
          key({}),
          key({
            id: 'old',
            keyId: 'cccccccccccc',
            name: 'old-ci',
            status: 'revoked',
            revokedAt: '2026-11-01T00:00:00Z',
            revokedBy: 'api-key:cccccccccccc',
          }),
        ],
      },
      'DELETE /api/v1/api-keys/00000000-0000-4000-8000-000000000001': key({ status: 'revoked' }),
    });
    await screen.findByText('grafana');
    expect(screen.queryByText('old-ci')).toBeNull();
    fireEvent.click(screen.getByLabelText('Show revoked and expired keys'));
    expect(await screen.findByText('old-ci')).toBeTruthy();
    // Actors that are listed keys are named after them.
    expect(screen.getByText(/by old-ci \(dwk_cccccccccccc\), /)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Revoke grafana' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Revoke grafana for good' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1));
  });

  it('names the key this session signed in with before revoking it', async () => {
    renderApp('/api-keys', {
      ...BASE,
      // render-app signs in with dwk_test_credential: not a key id, so give the row a matching one below.
      'GET /api/v1/api-keys': { items: [key({ keyId: 'test' })] },
    });
    const row = (await screen.findByText('grafana')).closest('tr') as HTMLElement;
    expect(within(row).getByText('(this session)')).toBeTruthy();
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke grafana' }));
    expect(within(row).getByText('This is the key you are signed in with.')).toBeTruthy();
  });

  it('shows the API refusal of a bad name', async () => {
    renderApp('/api-keys', {
      ...BASE,
      'GET /api/v1/api-keys': { items: [] },
      'POST /api/v1/api-keys': failing(400, 'name may contain letters, digits, spaces and . : @ ( ) - _'),
    });
    expect(await screen.findByText('No active keys.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'bad/name' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/name may contain letters/);
  });

  it('tells other roles that admins manage keys, without asking the API', async () => {
    const { calls } = renderApp('/api-keys', BASE, 'steward');
    expect(await screen.findByText('API keys are managed by admins.')).toBeTruthy();
    expect(calls.some((c) => c.url.pathname === '/api/v1/api-keys')).toBe(false);
  });
});
