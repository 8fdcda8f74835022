import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { failing, renderApp, type FakeCall } from '../../../test/render-app';
import { fixupTaskFixture } from '../../../test/fixup-task-fixture';
import type { ReviewItem } from '../hooks/use-stewardship';

const task = fixupTaskFixture;

const refused: ReviewItem = {
  kind: 'validation_failure',
  task: task({
    lastError: 'the target refused the write: STRING_TOO_LONG: Account Name: data value too large',
    stateReason: 'the target refused the write: STRING_TOO_LONG: Account Name: data value too large',
  }),
  currentValues: null,
};
const conflict: ReviewItem = {
  kind: 'conflict',
  task: task({
    id: 't2',
    matchKey: 'C000018',
    sourceKey: '001B',
    state: 'conflict',
    changes: [{ field: 'phone', column: 'phone', expectedOld: '+49 1', newValue: '+49 2' }],
    lastError: 'the target changed since the finding',
  }),
  currentValues: { phone: '+49 3' },
};
const decision: ReviewItem = {
  kind: 'needs_decision',
  task: task({
    id: 't3',
    matchKey: 'DE123',
    targetSystem: 'support',
    sourceKey: 'org-2',
    findingKind: 'merge_duplicate',
    ruleId: 'customer.duplicates',
    changes: [],
    stateReason:
      'merge decision on stewardship item x: the supportdesk connector support has no write that marks a customer merged or inactive; merge or deactivate org-2 in support by hand, then dismiss this task',
  }),
  currentValues: null,
};

const reviews = (items: ReviewItem[]) => (c: FakeCall) => {
  const reason = c.url.searchParams.get('reason');
  return { items: items.filter((i) => !reason || i.kind === reason), nextCursor: null };
};

const answers = {
  'GET /health/ready': { status: 'ok', checks: [] },
  'GET /api/v1/stewardship/reviews': reviews([refused, conflict, decision]),
};

const row = (record: string) => screen.getByRole('link', { name: record }).closest('tr')!;

describe('fix-ups to review', () => {
  it('says why each task waits, in the words of whoever stopped it', async () => {
    renderApp('/fix-ups?view=reviews', answers, 'viewer');
    await screen.findByRole('link', { name: 'customer C000017' });
    const refusedRow = row('customer C000017');
    expect(refusedRow).toHaveTextContent('validation failure');
    expect(refusedRow).toHaveTextContent('crm refused the write: STRING_TOO_LONG: Account Name: data value too large');
    expect(refusedRow).toHaveTextContent('name: Acme → Acme Holding International');
    expect(within(refusedRow).getByRole('link')).toHaveAttribute('href', '/fix-ups?task=t1');

    const conflictRow = row('customer C000018');
    expect(conflictRow).toHaveTextContent('Changed in crm since the finding; not overwritten.');
    expect(conflictRow).toHaveTextContent('phone: expected +49 1, would write +49 2');

    const decisionRow = row('customer DE123');
    expect(decisionRow).toHaveTextContent('needs decision');
    expect(decisionRow).toHaveTextContent('from a merge decision');
    expect(decisionRow).toHaveTextContent('merge or deactivate org-2 in support by hand, then dismiss this task');
  });

  it('shows a conflict the current value in the target beside the expected and new ones', async () => {
    renderApp('/fix-ups?view=reviews', answers, 'viewer');
    const toggle = await screen.findByRole('button', { name: 'Show current values' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    fireEvent.click(toggle);
    const conflictRow = row('customer C000018');
    await waitFor(() => expect(within(conflictRow).getByRole('table')).toHaveTextContent('phone+49 1+49 3+49 2'));
    expect(
      within(conflictRow)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Field', 'Expected', 'Current', 'Would write']);
    expect(screen.getByRole('button', { name: 'Hide current values' })).toHaveAttribute('aria-expanded', 'true');
  });

  it('keeps the reason filter in the URL and asks the API for that reason', async () => {
    const { calls, location } = renderApp('/fix-ups?view=reviews&reason=validation_failure', answers, 'viewer');
    await screen.findByRole('link', { name: 'customer C000017' });
    expect(screen.getByLabelText('Reason')).toHaveValue('validation_failure');
    expect(screen.queryByRole('link', { name: 'customer DE123' })).not.toBeInTheDocument();
    expect(calls.find((c) => c.url.pathname === '/api/v1/stewardship/reviews')?.url.searchParams.get('reason')).toBe(
      'validation_failure',
    );

    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'conflict' } });
    expect(location.current?.search).toBe('?view=reviews&reason=conflict');
    await screen.findByRole('link', { name: 'customer C000018' });
    expect(screen.queryByRole('link', { name: 'customer C000017' })).not.toBeInTheDocument();
    expect(calls.at(-1)?.url.searchParams.get('reason')).toBe('conflict');
  });

  it('lets a steward approve, retry and dismiss (with a reason) through the stewardship route', async () => {
    const decided: unknown[] = [];
    const { calls } = renderApp(
      '/fix-ups?view=reviews',
      {
        ...answers,
        ...Object.fromEntries(
          ['t1', 't2', 't3'].map((id) => [
            `POST /api/v1/stewardship/reviews/${id}/decide`,
            (c: FakeCall) => {
              decided.push({ id, ...(c.body as object) });
              return { changed: [id], skipped: [] };
            },
          ]),
        ),
      },
      'steward',
    );
    await screen.findByRole('link', { name: 'customer C000017' });
    const refusedActions = screen.getByRole('group', { name: 'Review actions for customer C000017 in crm' });
    fireEvent.click(within(refusedActions).getByRole('button', { name: 'Approve again' }));
    const conflictActions = screen.getByRole('group', { name: 'Review actions for customer C000018 in crm' });
    expect(within(conflictActions).queryByRole('button', { name: /Approve/ })).not.toBeInTheDocument();
    fireEvent.click(within(conflictActions).getByRole('button', { name: 'Retry' }));

    // A task that writes nothing cannot be approved, only dismissed once handled by hand.
    const decisionActions = screen.getByRole('group', { name: 'Review actions for customer DE123 in support' });
    expect(within(decisionActions).queryByRole('button', { name: /Approve/ })).not.toBeInTheDocument();
    fireEvent.click(within(decisionActions).getByRole('button', { name: 'Dismiss' }));
    const why = within(decisionActions).getByLabelText('Reason for dismissing customer DE123');
    expect(why).toHaveFocus();
    fireEvent.change(why, { target: { value: 'merged by hand in the support desk' } });
    fireEvent.click(within(decisionActions).getByRole('button', { name: 'Dismiss' }));

    await waitFor(() => expect(decided).toHaveLength(3));
    expect(decided).toEqual([
      { id: 't1', decision: 'approve' },
      { id: 't2', decision: 'retry' },
      { id: 't3', decision: 'dismiss', reason: 'merged by hand in the support desk' },
    ]);
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname.startsWith('/api/v1/fixups/'))).toBe(false);
    // Focus stays on the page (the decided row leaves the list) and the outcome is announced.
    await waitFor(() => expect(screen.getByText('Task customer DE123 → support org-2 dismissed.')).toHaveFocus());
  });

  it('gives an engineer only retry of a conflict (through the fix-up route)', async () => {
    const { calls } = renderApp(
      '/fix-ups?view=reviews',
      { ...answers, 'POST /api/v1/fixups/t2/retry': { changed: ['t2'], skipped: [] } },
      'engineer',
    );
    await screen.findByRole('link', { name: 'customer C000017' });
    expect(screen.queryByRole('button', { name: /Approve|Dismiss/ })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() =>
      expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/api/v1/fixups/t2/retry')).toBe(true),
    );
  });

  it('shows a viewer no action buttons', async () => {
    renderApp('/fix-ups?view=reviews', answers, 'viewer');
    await screen.findByRole('link', { name: 'customer C000017' });
    expect(screen.queryByRole('button', { name: /Approve|Retry|Dismiss/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('group', { name: /Review actions/ })).not.toBeInTheDocument();
  });

  it('says when nothing waits with the chosen reason', async () => {
    renderApp('/fix-ups?view=reviews&reason=conflict', { ...answers, 'GET /api/v1/stewardship/reviews': reviews([]) });
    expect(await screen.findByText('No fix-up task waits with reason “conflict”.')).toBeInTheDocument();
  });

  it('shows the API error with its request id', async () => {
    renderApp('/fix-ups?view=reviews', {
      ...answers,
      'GET /api/v1/stewardship/reviews': failing(503, 'the fix-up module is not loaded in this process', 'req-7'),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not load fix-up tasks waiting for review: the fix-up module is not loaded in this process (request req-7)',
    );
  });

  it('pages on with the cursor', async () => {
    const { calls } = renderApp('/fix-ups?view=reviews&reason=validation_failure', {
      ...answers,
      'GET /api/v1/stewardship/reviews': (c: FakeCall) =>
        c.url.searchParams.get('cursor') === 'next-1'
          ? { items: [{ ...refused, task: { ...refused.task, id: 't4', matchKey: 'C000019' } }], nextCursor: null }
          : { items: [refused], nextCursor: 'next-1' },
    });
    await screen.findByRole('link', { name: 'customer C000017' });
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByRole('link', { name: 'customer C000019' });
    expect(calls.at(-1)?.url.searchParams.get('cursor')).toBe('next-1');
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });
});
