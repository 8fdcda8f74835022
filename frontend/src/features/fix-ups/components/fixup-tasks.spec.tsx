import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderApp } from '../../../test/render-app';
import type { FixupTask } from '../hooks/use-fixups';

const task = (over: Partial<FixupTask> = {}): FixupTask => ({
  id: 't1',
  findingId: 'f1',
  ruleId: 'customer.legal-name',
  ruleKind: 'field_match',
  findingKind: 'mismatch',
  entity: 'customer',
  matchKey: 'C000017',
  targetSystem: 'crm',
  sourceKey: '001A',
  changes: [{ field: 'legalName', column: 'legal_name', expectedOld: 'ACME LIMITED', newValue: 'Acme Ltd' }],
  policy: 'approval',
  state: 'proposed',
  stateReason: null,
  attempts: 0,
  lastError: null,
  createdRunId: 'a1b2c3d4-0000-4000-8000-000000000001',
  resolvedRunId: null,
  createdAt: '2026-11-02T09:30:00Z',
  updatedAt: '2026-11-02T09:30:00Z',
  appliedAt: null,
  finishedAt: null,
  ...over,
});

const answers = {
  'GET /health/ready': { status: 'ok', checks: [] },
  'GET /api/v1/fixups': { items: [task()], nextCursor: null },
};

describe('fix-up tasks list', () => {
  const listCalls = (calls: { url: URL }[]) =>
    calls.filter((c) => c.url.pathname === '/api/v1/fixups').map((c) => c.url.searchParams.get('state'));

  it('shows the tasks in flight or waiting by default, every state on "any", and back', async () => {
    const { calls, location } = renderApp('/fix-ups', answers);
    await screen.findByRole('button', { name: /customer C000017/ });
    expect(screen.getByLabelText('State')).toHaveValue('open');
    expect(listCalls(calls)).toEqual(['open']);

    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'any' } });
    expect(location.current?.search).toBe('?state=any');
    await waitFor(() => expect(listCalls(calls)).toEqual(['open', null]));

    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'open' } });
    expect(location.current?.search).toBe('');
  });

  it('jumps to the dead letters', async () => {
    const { calls, location } = renderApp('/fix-ups', answers);
    await screen.findByRole('button', { name: /customer C000017/ });
    fireEvent.click(screen.getByRole('button', { name: 'Dead letters' }));
    expect(location.current?.search).toBe('?state=dead_lettered');
    await waitFor(() => expect(listCalls(calls)).toContain('dead_lettered'));
  });
});
