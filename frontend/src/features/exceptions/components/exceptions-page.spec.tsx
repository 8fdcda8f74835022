import { fireEvent, screen, within } from '@testing-library/react';
import type { Finding } from '../../../api/findings';
import { failing, renderApp } from '../../../test/render-app';

const finding = (over: Partial<Finding>): Finding => ({
  id: 'f1',
  ruleId: 'customer.legal-name',
  ruleVersion: 2,
  entity: 'customer',
  matchKey: 'C000017',
  field: 'legal_name',
  kind: 'mismatch',
  ownerSystem: 'erp',
  expectedValue: 'Acme Ltd',
  actualSystem: 'crm',
  actualValue: 'ACME LIMITED',
  details: null,
  score: 1,
  severity: 'high',
  domain: 'customer',
  status: 'open',
  occurrences: 3,
  firstSeenAt: '2026-11-01T10:00:00Z',
  lastSeenAt: '2026-11-02T10:00:00Z',
  resolvedAt: null,
  firstRunId: 'a1b2c3d4-0000-4000-8000-000000000001',
  lastRunId: 'a1b2c3d4-0000-4000-8000-000000000002',
  ...over,
});

const answers = {
  'GET /health/ready': { status: 'ok', checks: [] },
  'GET /api/v1/findings': { items: [finding({}), finding({ id: 'f2', matchKey: 'C000018' })], nextCursor: null },
  'GET /api/v1/findings/f1': {
    finding: finding({}),
    sideBySide: {
      ownerSystem: 'erp',
      expectedValue: 'Acme Ltd',
      systems: [
        { system: 'crm', value: 'ACME LIMITED', status: 'open', findingId: 'f1' },
        { system: 'support', value: 'Acme Ltd', status: 'resolved', findingId: 'f9' },
      ],
    },
  },
  'GET /api/v1/audit': { items: [], nextCursor: null },
};

describe('exceptions page', () => {
  it('sends the filters and sort from the URL to the API', async () => {
    const { calls } = renderApp('/exceptions?severity=high&ruleId=customer.legal-name&sort=occurrences', answers);
    await screen.findByRole('button', { name: 'customer C000017' });
    const list = calls.find((c) => c.url.pathname === '/api/v1/findings');
    expect(Object.fromEntries(list!.url.searchParams)).toEqual({
      severity: 'high',
      ruleId: 'customer.legal-name',
      sort: 'occurrences',
      limit: '50',
    });
    expect(screen.getByLabelText('Severity')).toHaveValue('high');
    expect(screen.getByRole('columnheader', { name: /Seen/ })).toHaveAttribute('aria-sort', 'ascending');
  });

  it('keeps a changed filter and sort in the URL', async () => {
    const { location } = renderApp('/exceptions', answers);
    await screen.findByRole('button', { name: 'customer C000017' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'reopened' } });
    fireEvent.click(screen.getByRole('button', { name: /Last seen/ }));
    expect(location.current?.search).toBe('?status=reopened&sort=lastSeenAt');
  });

  it("opens a finding with every system's value and the owner's value marked", async () => {
    renderApp('/exceptions', answers);
    fireEvent.click(await screen.findByRole('button', { name: 'customer C000017' }));
    const panel = await screen.findByRole('complementary', { name: 'Finding' });
    const table = await within(panel).findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      'erp ownerAcme Ltdsystem of record',
      'crmACME LIMITEDdiffers · open',
      'supportAcme Ltdmatches · resolved',
    ]);
    expect(await within(panel).findByText(/No audit entries for this finding/)).toBeInTheDocument();
  });

  it('says when nothing matches the filters', async () => {
    renderApp('/exceptions?status=suppressed', { ...answers, 'GET /api/v1/findings': { items: [], nextCursor: null } });
    expect(await screen.findByText('No findings match these filters.')).toBeInTheDocument();
  });

  it('shows an API error with its request id', async () => {
    renderApp('/exceptions?matchKey=x', {
      ...answers,
      'GET /api/v1/findings': failing(400, "query parameter 'matchKey' must be 1 to 200 characters", 'req-42'),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      "Could not load findings: query parameter 'matchKey' must be 1 to 200 characters (request req-42)",
    );
  });
});
