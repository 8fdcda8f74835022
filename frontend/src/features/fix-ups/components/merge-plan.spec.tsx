import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { fixupTaskFixture } from '../../../test/fixup-task-fixture';
import { failing, renderApp, type FakeCall } from '../../../test/render-app';
import type { FixupTask } from '../hooks/use-fixups';
import type { MergeDecision, StewardshipDetail, StewardshipItem } from '../hooks/use-stewardship';

const ITEM_ID = '5b7c1e2a-0000-4000-8000-000000000001';

const item = (over: Partial<StewardshipItem> = {}): StewardshipItem => ({
  id: ITEM_ID,
  kind: 'duplicate',
  sourceType: 'finding',
  sourceId: 'a'.repeat(32),
  ruleId: 'customer.duplicates',
  entity: 'customer',
  system: 'crm',
  subjectKey: '001A',
  candidates: [
    { system: 'crm', entityKey: '001A' },
    { system: 'crm', entityKey: '001B' },
  ],
  suggestion: null,
  score: 0.9,
  details: {},
  state: 'open',
  assignee: null,
  decision: null,
  decidedBy: null,
  decidedAt: null,
  reason: null,
  createdAt: '2026-11-28T08:00:00Z',
  updatedAt: '2026-11-28T08:00:00Z',
  ...over,
});

const record = (entityKey: string, legalName: string, status = 'active') => ({
  system: 'crm',
  entityKey,
  snapshotId: 's1',
  capturedAt: '2026-11-28T07:00:00Z',
  sourceUpdatedAt: '2026-11-28T06:00:00Z',
  fields: { legal_name: legalName, status, tax_id: 'DE123' },
});

const detail = (i: StewardshipItem): StewardshipDetail => ({
  item: i,
  records: [record('001A', 'Acme'), record('001B', 'Acme GmbH')],
  missingRecords: [],
  links: [],
  events: [],
});

const task = (over: Partial<FixupTask>): FixupTask =>
  fixupTaskFixture({
    id: 't-survivor',
    findingId: 'a'.repeat(32),
    ruleId: 'customer.duplicates',
    ruleKind: 'duplicates',
    findingKind: 'merge_survivor',
    matchKey: 'DE123',
    changes: [{ field: 'legal_name', column: 'legal_name', expectedOld: 'Acme', newValue: 'Acme GmbH' }],
    policy: 'approval',
    state: 'proposed',
    stateReason: 'merge decision on stewardship item: approval required (default for merges)',
    attempts: 0,
    updatedAt: '2026-11-28T09:00:00Z',
    ...over,
  });

const survivorTask = task({});
const retireTask = task({
  id: 't-retire',
  findingKind: 'merge_duplicate',
  sourceKey: '001B',
  changes: [{ field: 'status', column: 'status', expectedOld: 'active', newValue: 'inactive' }],
});

const merge: MergeDecision = {
  action: 'merge',
  survivor: '001A',
  fields: { legal_name: '001B' },
  changes: [{ field: 'legal_name', from: 'Acme', to: 'Acme GmbH', sourceKey: '001B' }],
  duplicates: [{ entityKey: '001B', status: 'active' }],
  fixupTaskIds: ['t-survivor', 't-retire'],
};
const decided = (d: Partial<MergeDecision> = {}) =>
  item({
    state: 'decided',
    decision: { ...merge, ...d },
    decidedBy: 'key:steward',
    decidedAt: '2026-11-28T09:00:00Z',
    reason: 'same tax id',
  });

const base = {
  'GET /health/ready': { status: 'ok', checks: [] },
  'GET /api/v1/stewardship/items': { items: [item()], nextCursor: null },
};

/** A small backend: the item is open until decided; each task answers with its current state. */
function backend(tasks: FixupTask[], start: StewardshipItem = item()) {
  let current = start;
  const states = new Map(tasks.map((t) => [t.id, t]));
  const answers: Record<string, unknown> = {
    ...base,
    [`GET /api/v1/stewardship/items/${ITEM_ID}`]: () => detail(current),
    [`POST /api/v1/stewardship/items/${ITEM_ID}/decide`]: () => {
      current = decided();
      return current;
    },
    'POST /api/v1/fixups/approve': ({ body }: FakeCall) => {
      const ids = (body as { ids: string[] }).ids;
      for (const id of ids) states.set(id, { ...states.get(id)!, state: 'queued' });
      return { changed: ids, skipped: [] };
    },
  };
  for (const t of tasks) {
    answers[`GET /api/v1/fixups/${t.id}`] = () => ({ task: states.get(t.id), transitions: [] });
    answers[`POST /api/v1/fixups/${t.id}/approve`] = () => {
      states.set(t.id, { ...states.get(t.id)!, state: 'queued' });
      return { changed: [t.id], skipped: [] };
    };
  }
  return answers;
}

const plannedTask = (name: RegExp) => {
  const list = screen.getByRole('list', { name: 'Planned fix-up tasks' });
  return within(list)
    .getAllByRole('listitem')
    .find((li) => name.test(li.textContent ?? ''))!;
};

describe('stewardship merge decision: the fix-up tasks it planned', () => {
  it('shows the tasks a merge made right after the steward submits it, with focus on the plan', async () => {
    const { calls } = renderApp(
      `/fix-ups?view=stewardship&item=${ITEM_ID}`,
      backend([survivorTask, retireTask]),
      'steward',
    );
    fireEvent.click(await screen.findByRole('radio', { name: 'Keep legal_name from 001B: Acme GmbH' }));
    fireEvent.click(screen.getByRole('button', { name: 'Merge into 001A' }));

    expect(await screen.findByRole('heading', { name: 'Merge decision' })).toHaveFocus();
    const decide = calls.find((c) => c.method === 'POST');
    expect(decide?.body).toEqual({ action: 'merge', survivor: '001A', fields: { legal_name: '001B' } });
    expect(screen.getByText('Merge recorded: 2 fix-up tasks planned.')).toHaveAttribute('role', 'status');

    await screen.findByRole('list', { name: 'Planned fix-up tasks' });
    const survivor = plannedTask(/Survivor takes the chosen values/);
    expect(survivor).toHaveTextContent('crm 001A');
    expect(survivor).toHaveTextContent('proposed');
    expect(survivor).toHaveTextContent('legal_name: Acme → Acme GmbH');
    expect(within(survivor).getByRole('link', { name: /Open task/ })).toHaveAttribute(
      'href',
      '/fix-ups?task=t-survivor',
    );
    const retire = plannedTask(/Retire the duplicate/);
    expect(retire).toHaveTextContent('crm 001B');
    expect(retire).toHaveTextContent('status: active → inactive');
    expect(screen.getByText('2 tasks: 2 proposed')).toBeInTheDocument();
  });

  it('sends only the values taken from another record, never the cross-system key, and shows a refusal by the button', async () => {
    const answers = {
      ...backend([survivorTask, retireTask]),
      [`GET /api/v1/stewardship/items/${ITEM_ID}`]: {
        ...detail(item()),
        records: [
          { ...record('001A', 'Acme'), fields: { ...record('001A', 'Acme').fields, customer_number: 'C000187' } },
          { ...record('001B', 'Acme GmbH'), fields: { ...record('001B', 'Acme GmbH').fields, customer_number: '' } },
        ],
      },
      [`POST /api/v1/stewardship/items/${ITEM_ID}/decide`]: failing(400, 'survivor: record 001A no longer exists'),
    };
    const { calls } = renderApp(`/fix-ups?view=stewardship&item=${ITEM_ID}`, answers, 'steward');
    await screen.findByRole('button', { name: 'Merge into 001A' });
    expect(screen.queryByRole('radio', { name: /Keep customer_number/ })).not.toBeInTheDocument();
    expect(screen.getByText('cross-system key: each record keeps its own')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Merge into 001A' }));
    const form = screen.getByRole('form', { name: 'Merge duplicates' });
    expect(await within(form).findByRole('alert')).toHaveTextContent(
      'Merge refused: survivor: record 001A no longer exists',
    );
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ action: 'merge', survivor: '001A', fields: {} });
  });

  it('lets a steward approve one planned task from the plan through the fix-up route', async () => {
    const { calls } = renderApp(
      `/fix-ups?view=stewardship&item=${ITEM_ID}`,
      backend([survivorTask, retireTask], decided()),
      'steward',
    );
    await screen.findByRole('list', { name: 'Planned fix-up tasks' });
    const group = screen.getByRole('group', { name: 'Actions on task crm 001A' });
    fireEvent.click(within(group).getByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(plannedTask(/Survivor/)).toHaveTextContent('queued'));
    expect(calls.some((c) => c.method === 'POST' && c.url.pathname === '/api/v1/fixups/t-survivor/approve')).toBe(true);
    // Only the retire task is still approvable: "approve all" is gone, its own button remains.
    expect(screen.queryByRole('group', { name: 'Approve every planned task' })).not.toBeInTheDocument();
    expect(within(plannedTask(/Retire/)).getByRole('button', { name: 'Approve' })).toBeInTheDocument();
  });

  it('approves every approvable task of the plan at once', async () => {
    const { calls } = renderApp(
      `/fix-ups?view=stewardship&item=${ITEM_ID}`,
      backend([survivorTask, retireTask], decided()),
      'steward',
    );
    const all = await screen.findByRole('group', { name: 'Approve every planned task' });
    fireEvent.click(within(all).getByRole('button', { name: 'Approve (2)' }));
    await waitFor(() => expect(screen.getByText('2 tasks: 2 queued')).toBeInTheDocument());
    const bulk = calls.find((c) => c.url.pathname === '/api/v1/fixups/approve');
    expect(bulk?.body).toEqual({ ids: ['t-survivor', 't-retire'] });
  });

  it('shows a viewer the decision and its tasks current states, without any button to act', async () => {
    const cannotRetire = task({
      id: 't-retire',
      findingKind: 'merge_duplicate',
      targetSystem: 'support',
      sourceKey: 'org-2',
      changes: [],
      state: 'needs_review',
      stateReason:
        'merge decision on stewardship item x: the supportdesk connector support has no write that marks a customer merged or inactive; merge or deactivate org-2 in support by hand, then dismiss this task',
    });
    renderApp(
      `/fix-ups?view=stewardship&item=${ITEM_ID}`,
      backend([{ ...survivorTask, state: 'done' }, cannotRetire], decided()),
      'viewer',
    );
    await screen.findByRole('list', { name: 'Planned fix-up tasks' });
    expect(screen.getByText('2 tasks: 1 done, 1 needs_review')).toBeInTheDocument();
    const facts = screen.getByRole('region', { name: 'Merge decision' });
    expect(facts).toHaveTextContent(/Survivor\s*crm 001A\s*Retired\s*001B\s*Values kept\s*legal_name from 001B/);
    expect(facts).toHaveTextContent('key:steward');
    expect(facts).toHaveTextContent('same tax id');
    const retire = plannedTask(/Retire the duplicate/);
    expect(retire).toHaveTextContent('Retire: no write (support has none); to be done by hand.');
    expect(retire).toHaveTextContent('merge or deactivate org-2 in support by hand');
    expect(screen.queryByRole('button', { name: /Approve|Dismiss|Retry|Merge|Plan/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('radio')).not.toBeInTheDocument();
  });

  it('offers a steward no approve for a task that writes nothing, only dismiss', async () => {
    const cannotRetire = task({
      id: 't-retire',
      findingKind: 'merge_duplicate',
      sourceKey: '001B',
      changes: [],
      state: 'needs_review',
    });
    renderApp(`/fix-ups?view=stewardship&item=${ITEM_ID}`, backend([survivorTask, cannotRetire], decided()), 'steward');
    await screen.findByRole('list', { name: 'Planned fix-up tasks' });
    const group = screen.getByRole('group', { name: 'Actions on task crm 001B' });
    expect(within(group).queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
    expect(within(group).getByRole('button', { name: 'Dismiss' })).toBeInTheDocument();
  });

  it('gives an engineer retry on a conflicting planned task but no approve', async () => {
    const conflicting = task({ state: 'conflict', lastError: 'the target changed since the finding' });
    renderApp(`/fix-ups?view=stewardship&item=${ITEM_ID}`, backend([conflicting, retireTask], decided()), 'engineer');
    await screen.findByRole('list', { name: 'Planned fix-up tasks' });
    expect(within(plannedTask(/Survivor/)).getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Approve/ })).not.toBeInTheDocument();
    expect(plannedTask(/Survivor/)).toHaveTextContent('the target changed since the finding');
  });

  it('lets a steward plan the missing tasks of a decision that has none recorded (the same decision again)', async () => {
    const { calls } = renderApp(
      `/fix-ups?view=stewardship&item=${ITEM_ID}`,
      backend([survivorTask, retireTask], decided({ fixupTaskIds: undefined })),
      'steward',
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Plan missing tasks' }));
    await screen.findByRole('list', { name: 'Planned fix-up tasks' });
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      action: 'merge',
      survivor: '001A',
      fields: { legal_name: '001B' },
    });
  });

  it('says when the planned tasks cannot be loaded, and retries', async () => {
    const answers = {
      ...backend([survivorTask, retireTask], decided()),
      'GET /api/v1/fixups/t-retire': failing(503, 'database unavailable', 'req-9'),
    };
    renderApp(`/fix-ups?view=stewardship&item=${ITEM_ID}`, answers, 'steward');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not load planned fix-up tasks: database unavailable (request req-9)',
    );
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
