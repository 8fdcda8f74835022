import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderApp } from '../../../test/render-app';
import { fixupTaskFixture } from '../../../test/fixup-task-fixture';

const task = () => fixupTaskFixture({ state: 'proposed', policy: 'approval' });

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
