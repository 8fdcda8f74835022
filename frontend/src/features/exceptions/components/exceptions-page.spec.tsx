import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { failing, plainText, renderApp } from '../../../test/render-app';
import { findingFixture } from '../../../test/finding-fixture';
import { formatDateTime, formatShortDateTime } from '../../../ui/formatting';

const finding = findingFixture;

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
      // The queue's default: what needs work.
      status: 'active',
      severity: 'high',
      ruleId: 'customer.legal-name',
      sort: 'occurrences',
      limit: '50',
    });
    expect(screen.getByLabelText('Severity')).toHaveValue('high');
    expect(screen.getByLabelText('Status')).toHaveValue('active');
    expect(screen.getByRole('columnheader', { name: /Seen/ })).toHaveAttribute('aria-sort', 'ascending');
  });

  it('lists every status when "any" is chosen, and the active ones again when that is', async () => {
    const { calls, location } = renderApp('/exceptions', answers);
    await screen.findByRole('button', { name: 'customer C000017' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'any' } });
    expect(location.current?.search).toBe('?status=any');
    await waitFor(() =>
      expect(
        calls.filter((c) => c.url.pathname === '/api/v1/findings').map((c) => c.url.searchParams.get('status')),
      ).toEqual(['active', null]),
    );
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'active' } });
    expect(location.current?.search).toBe('');
  });

  it('keeps a changed filter and sort in the URL', async () => {
    const { location } = renderApp('/exceptions', answers);
    await screen.findByRole('button', { name: 'customer C000017' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'reopened' } });
    // Another column than the current sort starts descending.
    fireEvent.click(screen.getByRole('button', { name: /Last seen/ }));
    expect(location.current?.search).toBe('?status=reopened&sort=-lastSeenAt');
  });

  it('lists the most recently changed findings first unless the URL sorts otherwise', async () => {
    const { calls } = renderApp('/exceptions', answers);
    await screen.findByRole('button', { name: 'customer C000017' });
    const list = calls.find((c) => c.url.pathname === '/api/v1/findings');
    expect(list!.url.searchParams.get('sort')).toBe('-statusChangedAt');
    expect(screen.getByRole('columnheader', { name: /Status changed/ })).toHaveAttribute('aria-sort', 'descending');
    expect(screen.getByRole('columnheader', { name: /Last seen/ })).toHaveAttribute('aria-sort', 'none');
  });

  it('flips the status-change sort and drops the default from the URL', async () => {
    const { location } = renderApp('/exceptions', answers);
    await screen.findByRole('button', { name: 'customer C000017' });
    fireEvent.click(screen.getByRole('button', { name: /Status changed/ }));
    expect(location.current?.search).toBe('?sort=statusChangedAt');
    expect(await screen.findByRole('columnheader', { name: /Status changed/ })).toHaveAttribute(
      'aria-sort',
      'ascending',
    );
    fireEvent.click(screen.getByRole('button', { name: /Status changed/ }));
    expect(location.current?.search).toBe('');
  });

  it("shows when each finding's status last changed, also beside the open panel", async () => {
    const changedAt = ['2026-11-02T09:30:00Z', '2026-10-28T16:05:00Z'];
    renderApp('/exceptions?finding=f1', {
      ...answers,
      'GET /api/v1/findings': {
        items: [
          finding({ statusChangedAt: changedAt[0] }),
          finding({ id: 'f2', matchKey: 'C000018', statusChangedAt: changedAt[1] }),
        ],
        nextCursor: null,
      },
    });
    await screen.findByRole('button', { name: 'customer C000017' });
    const table = screen.getAllByRole('table')[0];
    expect(table).toHaveClass('compact');
    const headers = within(table).getAllByRole('columnheader');
    const column = headers.findIndex((h) => /Status changed/.test(h.textContent ?? ''));
    // The default sort's column stays in the compact table; "Last seen" gives way.
    expect(headers[column]).not.toHaveClass('optional');
    expect(within(table).getByRole('columnheader', { name: /Last seen/ })).toHaveClass('optional');
    const rows = within(table).getAllByRole('row').slice(1);
    const cells = rows.map((r) => within(r).getAllByRole('cell')[column]);
    expect(cells.map((c) => c.textContent)).toEqual(changedAt.map((at) => formatShortDateTime(at)));
    // The full date and time on hover.
    expect(cells.map((c) => c.querySelector('time')?.getAttribute('title'))).toEqual(changedAt.map(formatDateTime));
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

  it("shows since when the finding's status holds", async () => {
    const changedAt = '2026-11-02T08:15:00Z';
    renderApp('/exceptions?finding=f1', {
      ...answers,
      'GET /api/v1/findings/f1': {
        ...(answers['GET /api/v1/findings/f1'] as object),
        finding: finding({ status: 'reopened', statusChangedAt: changedAt }),
      },
    });
    const panel = await screen.findByRole('complementary', { name: 'Finding' });
    const since = await within(panel).findByText(formatDateTime(changedAt), { selector: 'time' });
    expect(since).toHaveAttribute('dateTime', changedAt);
    expect(since.parentElement).toHaveTextContent(`reopened since ${formatDateTime(changedAt)}`);
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

describe('exceptions page: assignment and CSV export', () => {
  const assigned = {
    ...answers,
    'GET /api/v1/findings': {
      items: [
        finding({ assignee: 'Alex Moreau', assignedAt: '2026-11-03T09:00:00Z' }),
        finding({ id: 'f2', matchKey: 'C000018' }),
      ],
      nextCursor: null,
    },
  };

  it('shows who works on each finding', async () => {
    renderApp('/exceptions', assigned);
    await screen.findByRole('button', { name: 'customer C000017' });
    const header = screen.getAllByRole('columnheader').map((h) => h.textContent);
    const column = header.indexOf('Assignee');
    expect(column).toBeGreaterThan(0);
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[column].textContent)).toEqual(['Alex Moreau', 'unassigned']);
  });

  it('sends the assignee filter from the URL and keeps a typed one in the URL', async () => {
    const { calls, location } = renderApp('/exceptions?assignee=me', assigned);
    await screen.findByRole('button', { name: 'customer C000017' });
    const list = calls.find((c) => c.url.pathname === '/api/v1/findings');
    expect(list!.url.searchParams.get('assignee')).toBe('me');
    expect(screen.getByLabelText('Assignee')).toHaveValue('me');
    fireEvent.change(screen.getByLabelText('Assignee'), { target: { value: 'unassigned' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect(location.current?.search).toBe('?assignee=unassigned');
  });

  it('assigns the ticked findings to me, to a typed name, and unassigns them', async () => {
    const bodies: unknown[] = [];
    const { calls } = renderApp(
      '/exceptions',
      {
        ...assigned,
        'GET /api/v1/fixups': { items: [], nextCursor: null },
        'POST /api/v1/findings/assign': (call: { body: { ids: string[]; assignee: string | null } }) => {
          bodies.push(call.body);
          return {
            assignee: call.body.assignee === 'me' ? 'dana' : call.body.assignee,
            changed: call.body.ids,
            unchanged: [],
          };
        },
      },
      'engineer',
    );
    await screen.findByRole('button', { name: 'customer C000017' });
    const tick = () => fireEvent.click(screen.getByLabelText('Select all findings on this page'));

    tick();
    fireEvent.click(await screen.findByRole('button', { name: 'Assign to me (2)' }));
    await waitFor(() => expect(bodies).toHaveLength(1));
    // The selection is cleared and the list asked again, showing the new assignees.
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Bulk actions' })).not.toBeInTheDocument());
    await waitFor(() => expect(calls.filter((c) => c.url.pathname === '/api/v1/findings').length).toBeGreaterThan(1));

    tick();
    fireEvent.click(await screen.findByRole('button', { name: 'Assign to…' }));
    fireEvent.change(screen.getByLabelText('Assign to (name)'), { target: { value: '  Sam Okafor ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Assign (2)' }));
    await waitFor(() => expect(bodies).toHaveLength(2));

    tick();
    fireEvent.click(await screen.findByRole('button', { name: 'Unassign (2)' }));
    await waitFor(() => expect(bodies).toHaveLength(3));
    expect(bodies).toEqual([
      { ids: ['f1', 'f2'], assignee: 'me' },
      { ids: ['f1', 'f2'], assignee: 'Sam Okafor' },
      { ids: ['f1', 'f2'], assignee: null },
    ]);
  });

  it('says why an assignment failed and keeps the selection', async () => {
    renderApp(
      '/exceptions',
      {
        ...assigned,
        'GET /api/v1/fixups': { items: [], nextCursor: null },
        'POST /api/v1/findings/assign': failing(404, 'unknown finding id(s): f2; nothing was assigned'),
      },
      'engineer',
    );
    fireEvent.click(await screen.findByLabelText('Select finding customer.legal-name C000018 crm'));
    fireEvent.click(await screen.findByRole('button', { name: 'Assign to me' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not assign: unknown finding id(s): f2; nothing was assigned',
    );
    expect(screen.getByRole('region', { name: 'Bulk actions' })).toBeInTheDocument();
  });

  it('shows viewers neither the selection nor the assign buttons', async () => {
    renderApp('/exceptions', assigned, 'viewer');
    await screen.findByRole('button', { name: 'customer C000017' });
    expect(screen.queryByRole('checkbox')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Assign/ })).not.toBeInTheDocument();
    // Exporting is reading: viewers may.
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeInTheDocument();
  });

  it('downloads the CSV of the current filters and sort', async () => {
    const csv = 'id,status,severity\r\nf1,open,high\r\n';
    const saved: Blob[] = [];
    URL.createObjectURL = jest.fn((blob: Blob) => {
      saved.push(blob);
      return 'blob:findings';
    });
    URL.revokeObjectURL = jest.fn();
    const clicked: { href: string; download: string }[] = [];
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicked.push({ href: this.href, download: this.download });
    });
    const { calls } = renderApp('/exceptions?severity=high&assignee=me&sort=occurrences', {
      ...assigned,
      'GET /api/v1/findings/export': plainText(csv),
    });
    await screen.findByRole('button', { name: 'customer C000017' });
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    const exported = calls.find((c) => c.url.pathname === '/api/v1/findings/export');
    expect(Object.fromEntries(exported!.url.searchParams)).toEqual({
      status: 'active',
      severity: 'high',
      assignee: 'me',
      sort: 'occurrences',
    });
    expect(clicked[0]).toEqual({ href: 'blob:findings', download: 'driftwatch-findings.csv' });
    expect(saved[0].type).toBe('text/csv;charset=utf-8');
    // jsdom's Blob has no text(); FileReader reads it.
    const content = await new Promise<unknown>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.readAsText(saved[0]);
    });
    expect(content).toBe(csv);
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:findings');
    click.mockRestore();
  });

  it('shows the assignee in the finding panel and assigns that one finding from it', async () => {
    const bodies: unknown[] = [];
    renderApp(
      '/exceptions?finding=f1',
      {
        ...assigned,
        'GET /api/v1/findings/f1': {
          ...(answers['GET /api/v1/findings/f1'] as object),
          finding: finding({ assignee: 'Alex Moreau', assignedAt: '2026-11-03T09:00:00Z' }),
        },
        'POST /api/v1/findings/assign': (call: { body: { ids: string[]; assignee: string | null } }) => {
          bodies.push(call.body);
          return { assignee: null, changed: call.body.ids, unchanged: [] };
        },
      },
      'engineer',
    );
    const panel = await screen.findByRole('complementary', { name: 'Finding' });
    expect(await within(panel).findByText('Alex Moreau')).toBeInTheDocument();
    fireEvent.click(within(panel).getByRole('button', { name: 'Unassign' }));
    await waitFor(() => expect(bodies).toEqual([{ ids: ['f1'], assignee: null }]));
  });

  it('says why an export failed', async () => {
    renderApp('/exceptions', {
      ...assigned,
      'GET /api/v1/findings/export': failing(400, "query parameter 'assignee' must be 1 to 120 characters"),
    });
    await screen.findByRole('button', { name: 'customer C000017' });
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      "Could not export findings: query parameter 'assignee' must be 1 to 120 characters",
    );
  });
});
