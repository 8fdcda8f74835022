import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { renderApp } from '../../../test/render-app';

const run = (id: string, connectorId: string, status: string) => ({
  id,
  connectorId,
  entity: 'customer',
  mode: 'incremental',
  trigger: connectorId === 'wms' ? 'event' : 'schedule',
  status,
  rowsRead: 5,
  rejects: 0,
  error: status === 'failed' ? 'ERP answered 503' : null,
  queuedAt: '2026-12-01T12:00:00Z',
  startedAt: '2026-12-01T12:00:00Z',
  durationMs: 150,
});

describe('recent snapshot runs', () => {
  it('asks the API for one connector and one status when chosen', async () => {
    const { calls } = renderApp('/connectors', {
      'GET /health/ready': { status: 'ok', checks: [] },
      'GET /api/v1/connectors': {
        items: ['erp', 'wms'].map((id) => ({
          id,
          kind: id,
          entities: ['customer'],
          writableEntities: [],
          incremental: true,
          changeEvents: false,
          changeStream: false,
          health: { up: true, latencyMs: 5, checkedAt: '2026-12-01T12:00:00Z', cached: false },
          snapshots: [],
          running: [],
        })),
      },
      'GET /api/v1/snapshots': [run('r1', 'wms', 'complete'), run('r2', 'erp', 'failed')],
    });
    await screen.findByText('ERP answered 503');
    const runLists = () => calls.filter((c) => c.url.pathname === '/api/v1/snapshots');
    expect(runLists()[0].url.searchParams.get('connectorId')).toBeNull();

    const last = () => runLists()[runLists().length - 1].url.searchParams;
    const filters = within(screen.getByRole('group', { name: 'Filter snapshot runs' }));
    await filters.findByRole('option', { name: 'erp' });
    fireEvent.change(filters.getByLabelText('Runs of'), { target: { value: 'erp' } });
    fireEvent.change(filters.getByLabelText('In status'), { target: { value: 'failed' } });
    await waitFor(() => expect(last().get('status')).toBe('failed'));
    expect(last().get('connectorId')).toBe('erp');
    expect(last().get('limit')).toBe('30');
  });
});
