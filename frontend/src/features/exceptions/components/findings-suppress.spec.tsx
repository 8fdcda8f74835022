import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { failing, renderApp } from '../../../test/render-app';
import type { Finding } from '../../../api/findings';
import { findingFixture } from '../../../test/finding-fixture';

const finding = findingFixture;

const suppressed = finding({
  status: 'suppressed',
  suppressedBy: 'dana.engineer',
  suppressedReason: 'this customer is deliberately different in the CRM',
  suppressedAt: '2026-11-03T09:00:00Z',
  suppressedUntil: '2026-12-31T23:00:00Z',
});

const answers = {
  'GET /health/ready': { status: 'ok', checks: [] },
  'GET /api/v1/findings': { items: [finding({}), finding({ id: 'f2', matchKey: 'C000018' })], nextCursor: null },
  'GET /api/v1/fixups': { items: [], nextCursor: null },
  'GET /api/v1/audit': { items: [], nextCursor: null },
};
const detailOf = (f: Finding) => ({
  finding: f,
  sideBySide: {
    ownerSystem: 'erp',
    expectedValue: 'Acme Ltd',
    systems: [{ system: 'crm', value: 'ACME LIMITED', status: f.status, findingId: f.id }],
  },
});

describe('exceptions page: suppressing findings', () => {
  it('suppresses the ticked findings with a reason and an end, then clears the selection', async () => {
    const bodies: unknown[] = [];
    const { calls } = renderApp(
      '/exceptions',
      {
        ...answers,
        'POST /api/v1/findings/suppress': (call: { body: { ids: string[] } }) => {
          bodies.push(call.body);
          return { suppressed: call.body.ids, updated: [], unchanged: [] };
        },
      },
      'engineer',
    );
    await screen.findByRole('button', { name: 'customer C000017' });
    fireEvent.click(screen.getByLabelText('Select all findings on this page'));
    fireEvent.click(await screen.findByRole('button', { name: 'Suppress…' }));
    const form = screen.getByRole('form', { name: 'Suppress' });
    // A reason is required.
    expect(within(form).getByRole('button', { name: 'Suppress (2)' })).toBeDisabled();
    fireEvent.change(within(form).getByLabelText('Reason for suppressing'), {
      target: { value: '  deliberately different in the CRM ' },
    });
    fireEvent.change(within(form).getByLabelText('Until (optional)'), { target: { value: '2030-06-01T09:30' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Suppress (2)' }));
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).toEqual({
      ids: ['f1', 'f2'],
      reason: 'deliberately different in the CRM',
      // The local time picked, as the instant it means (with a zone, as the API requires).
      until: new Date('2030-06-01T09:30').toISOString(),
    });
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Bulk actions' })).not.toBeInTheDocument());
    await waitFor(() => expect(calls.filter((c) => c.url.pathname === '/api/v1/findings').length).toBeGreaterThan(1));
  });

  it('sends no end when none is picked, and unsuppresses the ticked findings', async () => {
    const bodies: { path: string; body: unknown }[] = [];
    const record = (path: string) => (call: { body: { ids: string[] } }) => {
      bodies.push({ path, body: call.body });
      return path === 'suppress'
        ? { suppressed: call.body.ids, updated: [], unchanged: [] }
        : { unsuppressed: call.body.ids };
    };
    renderApp(
      '/exceptions',
      {
        ...answers,
        'POST /api/v1/findings/suppress': record('suppress'),
        'POST /api/v1/findings/unsuppress': record('unsuppress'),
      },
      'engineer',
    );
    fireEvent.click(await screen.findByLabelText('Select finding customer.legal-name C000018 crm'));
    fireEvent.click(await screen.findByRole('button', { name: 'Suppress…' }));
    fireEvent.change(screen.getByLabelText('Reason for suppressing'), { target: { value: 'known exception' } });
    fireEvent.click(screen.getByRole('button', { name: 'Suppress' }));
    await waitFor(() => expect(bodies).toHaveLength(1));

    fireEvent.click(await screen.findByLabelText('Select finding customer.legal-name C000018 crm'));
    fireEvent.click(await screen.findByRole('button', { name: 'Unsuppress' }));
    await waitFor(() => expect(bodies).toHaveLength(2));
    expect(bodies).toEqual([
      { path: 'suppress', body: { ids: ['f2'], reason: 'known exception' } },
      { path: 'unsuppress', body: { ids: ['f2'] } },
    ]);
  });

  it('says why a suppression was refused and keeps the selection', async () => {
    renderApp(
      '/exceptions',
      {
        ...answers,
        'POST /api/v1/findings/suppress': failing(
          409,
          'only new, open or reopened findings can be suppressed: f2 (resolved); nothing was suppressed',
        ),
      },
      'engineer',
    );
    fireEvent.click(await screen.findByLabelText('Select finding customer.legal-name C000018 crm'));
    fireEvent.click(await screen.findByRole('button', { name: 'Suppress…' }));
    fireEvent.change(screen.getByLabelText('Reason for suppressing'), { target: { value: 'known exception' } });
    fireEvent.click(screen.getByRole('button', { name: 'Suppress' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not suppress: only new, open or reopened findings can be suppressed: f2 (resolved); nothing was suppressed',
    );
    expect(screen.getByRole('region', { name: 'Bulk actions' })).toBeInTheDocument();
  });

  it('shows the suppression in the finding panel, and unsuppresses that finding from it', async () => {
    const bodies: unknown[] = [];
    renderApp(
      '/exceptions?finding=f1',
      {
        ...answers,
        'GET /api/v1/findings/f1': detailOf(suppressed),
        'POST /api/v1/findings/unsuppress': (call: { body: { ids: string[] } }) => {
          bodies.push(call.body);
          return { unsuppressed: call.body.ids };
        },
      },
      'engineer',
    );
    const panel = await screen.findByRole('complementary', { name: 'Finding' });
    const facts = await within(panel).findByRole('region', { name: 'Suppression' });
    expect(facts).toHaveTextContent('this customer is deliberately different in the CRM');
    expect(facts).toHaveTextContent('dana.engineer');
    expect(within(facts).getByText((_, el) => el?.getAttribute('datetime') === '2026-12-31T23:00:00Z')).toBeTruthy();
    // Suppressed already: the reason can be changed, and the suppression lifted.
    expect(within(panel).getByRole('button', { name: 'Change suppression…' })).toBeInTheDocument();
    fireEvent.click(within(panel).getByRole('button', { name: 'Unsuppress' }));
    await waitFor(() => expect(bodies).toEqual([{ ids: ['f1'] }]));
  });

  it('offers nothing to suppress for a resolved finding in the panel', async () => {
    renderApp(
      '/exceptions?finding=f1',
      { ...answers, 'GET /api/v1/findings/f1': detailOf(finding({ status: 'resolved' })) },
      'engineer',
    );
    const panel = await screen.findByRole('complementary', { name: 'Finding' });
    expect(await within(panel).findByRole('button', { name: 'Assign to me' })).toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: /Suppress/ })).not.toBeInTheDocument();
  });

  it('offers only Suppress for an active finding in the panel', async () => {
    renderApp('/exceptions?finding=f1', { ...answers, 'GET /api/v1/findings/f1': detailOf(finding({})) }, 'engineer');
    const panel = await screen.findByRole('complementary', { name: 'Finding' });
    expect(await within(panel).findByRole('button', { name: 'Suppress…' })).toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: 'Unsuppress' })).not.toBeInTheDocument();
    expect(within(panel).queryByRole('region', { name: 'Suppression' })).not.toBeInTheDocument();
  });

  it('hides suppressing from viewers, who still see why a finding is suppressed', async () => {
    renderApp('/exceptions?finding=f1', { ...answers, 'GET /api/v1/findings/f1': detailOf(suppressed) }, 'viewer');
    const panel = await screen.findByRole('complementary', { name: 'Finding' });
    expect(await within(panel).findByRole('region', { name: 'Suppression' })).toHaveTextContent('dana.engineer');
    expect(screen.queryByRole('button', { name: /Suppress/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Unsuppress/ })).not.toBeInTheDocument();
  });
});
