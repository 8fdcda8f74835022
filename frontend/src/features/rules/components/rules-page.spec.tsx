import { fireEvent, screen, within } from '@testing-library/react';
import { failing, renderApp } from '../../../test/render-app';
import type { RuleCatalogItem } from '../hooks/use-rules';

const rule = (over: Partial<RuleCatalogItem>): RuleCatalogItem => ({
  id: 'customer.billing-address-match',
  version: 2,
  description: "The CRM's billing address equals the ERP's.",
  owner: 'finance-data',
  severity: 'medium',
  domain: 'customer',
  kind: 'field_match',
  fix_policy: 'auto',
  enabled: true,
  systems: ['erp', 'crm'],
  ...over,
});

const answers = {
  'GET /health/ready': { status: 'ok', checks: [] },
  'GET /api/v1/rules': {
    items: [rule({}), rule({ id: 'order.status-propagation-sla', kind: 'propagation_sla', owner: 'integration' })],
    errors: ['broken.yaml:5 severity: expected one of info, low, medium, high, critical'],
  },
  'GET /api/v1/rules/customer.billing-address-match': {
    ...rule({}),
    definition: { id: 'customer.billing-address-match', spec: { entity: 'customer', systems: ['erp', 'crm'] } },
    compiled: { findingsSql: 'SELECT rule_id FROM current_customer FINAL', latencySql: null, error: null },
  },
  'GET /api/v1/reconciliation/runs': [
    {
      id: 'run-1',
      trigger: 'schedule',
      status: 'complete',
      ruleVersions: { 'customer.billing-address-match': 2 },
      ruleCounts: {
        'customer.billing-address-match': { version: 2, status: 'ran', findings: 7, new: 3, unsettled: 12 },
      },
      findingsTotal: 7,
      resolvedTotal: 0,
      error: null,
      startedAt: '2026-11-02T10:00:00Z',
      finishedAt: '2026-11-02T10:00:05Z',
      durationMs: 5000,
    },
  ],
};

describe('rules page', () => {
  it('lists the rule pack from GET /api/v1/rules, including rules that never ran, and the broken files', async () => {
    renderApp('/rules', answers, 'viewer');
    const table = await screen.findByRole('table');
    expect(within(table).getByRole('button', { name: 'customer.billing-address-match' })).toBeInTheDocument();
    expect(within(table).getByRole('button', { name: 'order.status-propagation-sla' })).toBeInTheDocument();
    expect(within(table).getByText('not run yet')).toBeInTheDocument();
    expect(within(table).getByText('7')).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Rule files that failed to load' })).toHaveTextContent('broken.yaml:5');
  });

  it('shows how many differences the latest run held while their records settled', async () => {
    renderApp('/rules', answers, 'viewer');
    const table = await screen.findByRole('table');
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((h) => h.textContent?.trim());
    const row = within(table).getByRole('button', { name: 'customer.billing-address-match' }).closest('tr');
    const cells = within(row!)
      .getAllByRole('cell')
      .map((c) => c.textContent?.trim());
    expect(cells[headers.indexOf('Held')]).toBe('12');
    const other = within(table).getByRole('button', { name: 'order.status-propagation-sla' }).closest('tr');
    expect(within(other!).getAllByRole('cell')[headers.indexOf('Held')]).toHaveTextContent('—');
  });

  it('shows the selected rule definition and its compiled SQL instead of "Not available"', async () => {
    const { calls } = renderApp('/rules?rule=customer.billing-address-match', answers, 'viewer');
    expect(await screen.findByLabelText('Compiled SQL of customer.billing-address-match')).toHaveTextContent(
      'SELECT rule_id FROM current_customer FINAL',
    );
    expect(screen.getByLabelText('Definition of customer.billing-address-match')).toHaveTextContent(
      '"entity": "customer"',
    );
    expect(screen.queryByText(/Not available/)).not.toBeInTheDocument();
    expect(calls.some((c) => c.url.pathname === '/api/v1/rules/customer.billing-address-match')).toBe(true);
  });

  it('says so when a selected rule is not in the pack', async () => {
    renderApp(
      '/rules?rule=customer.gone',
      { ...answers, 'GET /api/v1/rules/customer.gone': failing(404, 'no rule customer.gone in the rule set') },
      'viewer',
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('no rule customer.gone in the rule set');
  });

  it("takes outcomes and hit counts from full runs only, not from runs on change events' keys", async () => {
    const { calls } = renderApp('/rules', answers, 'viewer');
    await screen.findByRole('table');
    const runs = calls.filter((c) => c.url.pathname === '/api/v1/reconciliation/runs');
    expect(runs.length).toBeGreaterThan(0);
    for (const c of runs) expect(c.url.searchParams.get('scope')).toBe('full');
  });

  it('keeps the rule list when the runs cannot be read', async () => {
    renderApp(
      '/rules',
      { ...answers, 'GET /api/v1/reconciliation/runs': failing(500, 'ClickHouse is down') },
      'viewer',
    );
    expect(await screen.findByRole('button', { name: 'order.status-propagation-sla' })).toBeInTheDocument();
    expect(await screen.findByText(/ClickHouse is down/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'order.status-propagation-sla' }));
    expect(await screen.findByText('This rule has not run yet.')).toBeInTheDocument();
  });
});
