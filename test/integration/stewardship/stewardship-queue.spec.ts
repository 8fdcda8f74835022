import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { LinkSuggestionService } from '../../../backend/src/modules/stewardship/link-suggestion.service';
import type { ItemView } from '../../../backend/src/modules/stewardship/stewardship-item';
import { StewardshipApp, type CustomerRow } from './support/stewardship-app';

const ITEMS = '/api/v1/stewardship/items';

const erp: CustomerRow[] = [1, 2, 3, 4, 5].map((i) => ({
  customer_number: `C000${i}`,
  legal_name: `Acme ${i}`,
  tax_id: `DE-00${i}`,
  email: `ap${i}@acme.test`,
}));
// The CRM knows customers 4 and 5 under its own numbers, and customer 5 twice (same tax id).
const crm: CustomerRow[] = [
  ...erp.slice(0, 3),
  { customer_number: 'X-0004', legal_name: 'Acme 4 (CRM)', tax_id: 'DE-004', email: 'ap4@acme.test' },
  { customer_number: 'X-0005', legal_name: 'Acme Five', tax_id: 'DE-005', email: 'billing@five.test' },
  { customer_number: 'X-0006', legal_name: 'Acme 5', tax_id: 'de 005', email: 'ap5@acme.test' },
];

describe('stewardship queue over real reconciliation runs (Postgres, ClickHouse, API)', () => {
  let t: StewardshipApp;
  let items: ItemView[];
  const item = (system: string, subjectKey: string, kind = 'unmatched_identity'): ItemView => {
    const found = items.find((i) => i.kind === kind && i.system === system && i.subjectKey === subjectKey);
    if (!found) throw new Error(`no ${kind} item for ${system}/${subjectKey}`);
    return found;
  };
  const refresh = async () => {
    const res = await t.get(`${ITEMS}?limit=500`).expect(200);
    items = (res.body as { items: ItemView[] }).items;
  };
  const findings = (ruleId: string) =>
    t.api.sql<{ match_key: string; status: string; actual_value: string }>(
      'SELECT match_key, status, actual_value FROM findings WHERE rule_id = $1 ORDER BY match_key',
      [ruleId],
    );

  beforeAll(async () => {
    t = await StewardshipApp.start();
    await t.fx.completeSnapshot('erp', erp);
    await t.fx.completeSnapshot('crm', crm);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('opens one item per duplicate and presence finding, with suggested links, and a second intake changes nothing', async () => {
    const run = await t.fx.service.run({ trigger: 'api' });
    expect(run.status).toBe('complete');
    // The fix-up planner may hand a finding over first, in its own words: the item still takes the finding's shape.
    const [missing] = await t.api.sql<{ id: string; match_key: string }>(
      "SELECT id, match_key FROM findings WHERE kind = 'missing' AND match_key = 'C0004'",
    );
    const handed = await t.stewardship.open(
      {
        kind: 'unmatched_identity',
        sourceType: 'finding',
        sourceId: missing?.id ?? '',
        entity: 'customer',
        system: 'crm',
        subjectKey: 'C0004',
        candidates: [],
      },
      'fixup-planner',
    );
    expect(handed).toMatchObject({ created: true, item: { system: 'erp', subjectKey: 'erp-C0004', suggestion: null } });
    const first = { run, intake: await t.intake.fromRun(run.runId) };
    expect(first.intake).toEqual({ opened: 5, refreshed: 1, closed: 0 });
    await refresh();
    expect(
      items.map((i) => `${i.kind} ${i.system}/${i.subjectKey} → ${i.suggestion?.entityKey ?? '-'}`).sort(),
    ).toEqual([
      'duplicate crm/crm-X-0005 → -',
      'unmatched_identity crm/crm-X-0004 → erp-C0004',
      'unmatched_identity crm/crm-X-0005 → erp-C0005',
      'unmatched_identity crm/crm-X-0006 → erp-C0005',
      'unmatched_identity erp/erp-C0004 → crm-X-0004',
      // Tax id, email and name agree with X-0006; only the tax id with X-0005.
      'unmatched_identity erp/erp-C0005 → crm-X-0006',
    ]);
    expect(item('erp', 'erp-C0005').suggestion).toMatchObject({
      score: 1,
      matchedOn: ['email', 'legal_name', 'tax_id'],
    });
    expect(item('crm', 'crm-X-0005', 'duplicate').candidates).toEqual([
      { system: 'crm', entityKey: 'crm-X-0005' },
      { system: 'crm', entityKey: 'crm-X-0006' },
    ]);

    const again = await t.intake.fromRun(first.run.runId);
    expect(again.opened).toBe(0);
    await refresh();
    expect(items).toHaveLength(6);
  });

  it('lists with allow-listed filters and cursor pages; shows the records side by side', async () => {
    const dupes = await t.get(`${ITEMS}?kind=duplicate`).expect(200);
    expect(dupes.body.items).toHaveLength(1);
    const erpOnly = await t.get(`${ITEMS}?system=erp&state=open`).expect(200);
    expect(erpOnly.body.items).toHaveLength(2);
    const page1 = await t.get(`${ITEMS}?limit=4`).expect(200);
    const page2 = await t.get(`${ITEMS}?limit=4&cursor=${String(page1.body.nextCursor)}`).expect(200);
    expect(page2.body.nextCursor).toBeNull();
    const ids = [...page1.body.items, ...page2.body.items].map((i: ItemView) => i.id);
    expect(new Set(ids).size).toBe(6);
    const bad = await t.get(`${ITEMS}?colour=red`).expect(400);
    expect(bad.body.field).toBe('colour');

    const detail = await t.get(`${ITEMS}/${item('erp', 'erp-C0004').id}`).expect(200);
    expect(
      detail.body.records.map((r: { system: string; entityKey: string }) => `${r.system}/${r.entityKey}`).sort(),
    ).toEqual(['crm/crm-X-0004', 'erp/erp-C0004']);
    const crmRecord = detail.body.records.find((r: { system: string }) => r.system === 'crm');
    expect(crmRecord.fields).toMatchObject({ legal_name: 'Acme 4 (CRM)', tax_id: 'DE-004', customer_number: 'X-0004' });
    expect(detail.body.events).toEqual([
      expect.objectContaining({ action: 'open', toState: 'open', actor: 'fixup-planner' }),
    ]);
  });

  it('enforces roles: viewers read, engineers assign, stewards decide', async () => {
    const id = item('erp', 'erp-C0004').id;
    await t.post(`${ITEMS}/${id}/decide`, { action: 'confirm_link' }, t.keys.viewer).expect(403);
    await t.post(`${ITEMS}/${id}/decide`, { action: 'confirm_link' }, t.keys.engineer).expect(403);
    const assigned = await t
      .post(`${ITEMS}/${id}/assign`, { assignee: 'dana@example.test' }, t.keys.engineer)
      .expect(200);
    expect(assigned.body.assignee).toBe('dana@example.test');
    const mine = await t.get(`${ITEMS}?assignee=dana%40example.test`).expect(200);
    expect(mine.body.items.map((i: ItemView) => i.id)).toEqual([id]);
  });

  it('a confirmed link joins the crosswalk: the next run resolves both presence findings and compares the pair', async () => {
    const id = item('erp', 'erp-C0004').id;
    const res = await t.post(`${ITEMS}/${id}/decide`, { action: 'confirm_link', reason: 'same tax id' }).expect(200);
    expect(res.body).toMatchObject({
      state: 'decided',
      decision: {
        action: 'confirm_link',
        link: {
          a: { system: 'erp', entityKey: 'erp-C0004' },
          b: { system: 'crm', entityKey: 'crm-X-0004' },
          globalId: 'C0004',
        },
      },
    });
    await refresh();
    // The other direction of the same absence is settled by the same decision.
    expect(item('crm', 'crm-X-0004')).toMatchObject({ state: 'decided', reason: `linked by stewardship item ${id}` });
    const audit = await t.api.sql<{ action: string; subject_id: string }>(
      "SELECT action, subject_id FROM audit_log WHERE action LIKE 'stewardship.%' ORDER BY id",
    );
    expect(audit).toEqual([
      { action: 'stewardship.assign', subject_id: id },
      { action: 'stewardship.confirm_link', subject_id: id },
    ]);

    const next = await t.reconcile();
    expect(next.run.status).toBe('complete');
    const presence = await findings('customer.steward-presence');
    expect(presence.filter((f) => f.status === 'resolved').map((f) => f.match_key)).toEqual(['C0004', 'X-0004']);
    expect(presence.filter((f) => f.status !== 'resolved').map((f) => f.match_key)).toEqual([
      'C0005',
      'X-0005',
      'X-0006',
    ]);
    // The linked records now meet in field-match: the CRM's name differs from the ERP's.
    expect(await findings('customer.steward-legal-name')).toEqual([
      { match_key: 'C0004', status: 'new', actual_value: 'Acme 4 (CRM)' },
    ]);
  });

  it("shows a decided item's link and its history (open, assign, confirm_link) in its detail", async () => {
    const id = item('erp', 'erp-C0004').id;
    const detail = await t.get(`${ITEMS}/${id}`).expect(200);
    expect(detail.body.item).toMatchObject({
      id,
      state: 'decided',
      assignee: 'dana@example.test',
      reason: 'same tax id',
    });
    expect(detail.body.missingRecords).toEqual([]);
    expect(detail.body.links).toEqual([
      {
        id: expect.any(String),
        entity: 'customer',
        a: { system: 'crm', entityKey: 'crm-X-0004' },
        b: { system: 'erp', entityKey: 'erp-C0004' },
        status: 'confirmed',
        globalId: 'C0004',
        itemId: id,
        decidedBy: expect.stringMatching(/^api-key:/),
        decidedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      },
    ]);
    expect(detail.body.events).toEqual([
      expect.objectContaining({ action: 'open', fromState: null, toState: 'open', payload: null }),
      expect.objectContaining({
        action: 'assign',
        fromState: 'open',
        toState: 'open',
        payload: { from: null, to: 'dana@example.test' },
      }),
      expect.objectContaining({
        action: 'confirm_link',
        fromState: 'open',
        toState: 'decided',
        reason: 'same tax id',
        payload: expect.objectContaining({ action: 'confirm_link' }),
      }),
    ]);
  });

  it('shows fix-up tasks waiting for a person and decides them through the fix-up module', async () => {
    const [latest] = await t.api.sql<{ id: string }>(
      "SELECT id::text AS id FROM reconciliation_runs WHERE status = 'complete' ORDER BY started_at DESC LIMIT 1",
    );
    // The legal-name rule has the manual fix policy: its mismatch on the linked pair waits for a decision.
    await t.api.app.get(FixupPlannerService, { strict: false }).planRun(latest?.id ?? '');
    const reviews = await t.get('/api/v1/stewardship/reviews').expect(200);
    expect(reviews.body.items).toEqual([
      expect.objectContaining({
        kind: 'needs_decision',
        task: expect.objectContaining({ matchKey: 'C0004', targetSystem: 'crm', state: 'needs_review' }),
      }),
    ]);
    const taskId = reviews.body.items[0].task.id as string;
    await t.post(`/api/v1/stewardship/reviews/${taskId}/decide`, { decision: 'dismiss' }, t.keys.viewer).expect(403);
    await t
      .post(`/api/v1/stewardship/reviews/${taskId}/decide`, { decision: 'dismiss', reason: 'CRM name is right' })
      .expect(200);
    await t.post(`/api/v1/stewardship/reviews/${taskId}/decide`, { decision: 'approve' }).expect(409);
    expect((await t.get('/api/v1/stewardship/reviews').expect(200)).body.items).toEqual([]);
  });

  it('a rejected link is remembered and never suggested again', async () => {
    const id = item('erp', 'erp-C0005').id;
    expect(item('erp', 'erp-C0005').suggestion?.entityKey).toBe('crm-X-0006');
    await t.post(`${ITEMS}/${id}/decide`, { action: 'reject_link', reason: 'different branch' }).expect(200);
    await refresh();
    // The reverse suggestion of the same pair is withdrawn at once ...
    expect(item('crm', 'crm-X-0006').suggestion).toBeNull();

    await t.reconcile();
    await refresh();
    // ... and not made again by the next run; the other candidate is offered instead.
    expect(item('crm', 'crm-X-0006')).toMatchObject({ state: 'open', suggestion: null });
    expect(item('crm', 'crm-X-0005').suggestion?.entityKey).toBe('erp-C0005');
    const suggester = t.api.app.get(LinkSuggestionService, { strict: false });
    const fresh = await suggester.suggest('customer', 'erp', ['erp-C0005'], 'crm');
    expect(fresh.get('erp-C0005')).toMatchObject({ entityKey: 'crm-X-0005', matchedOn: ['tax_id'] });
  });

  it('records a merge with its survivorship map and the changes the survivor needs', async () => {
    const id = item('crm', 'crm-X-0005', 'duplicate').id;
    const res = await t
      .post(`${ITEMS}/${id}/decide`, {
        action: 'merge',
        survivor: 'crm-X-0005',
        fields: { legal_name: 'crm-X-0006', email: 'crm-X-0006', tax_id: 'crm-X-0005' },
      })
      .expect(200);
    expect(res.body.decision).toEqual({
      action: 'merge',
      survivor: 'crm-X-0005',
      fields: { legal_name: 'crm-X-0006', email: 'crm-X-0006', tax_id: 'crm-X-0005' },
      changes: [
        { field: 'legal_name', from: 'Acme Five', to: 'Acme 5', sourceKey: 'crm-X-0006' },
        { field: 'email', from: 'billing@five.test', to: 'ap5@acme.test', sourceKey: 'crm-X-0006' },
      ],
      duplicates: [{ entityKey: 'crm-X-0006', status: '' }],
      fixupTaskIds: [expect.any(String), expect.any(String)],
    });
    // This app has no connectors file: no target to write through, so both tasks wait for a person.
    const tasks = await t.api.sql<{ finding_kind: string; source_key: string; state: string; state_reason: string }>(
      'SELECT finding_kind, source_key, state, state_reason FROM fix_tasks WHERE id = ANY($1::uuid[]) ORDER BY finding_kind',
      [res.body.decision.fixupTaskIds],
    );
    expect(tasks.map((r) => [r.finding_kind, r.source_key, r.state])).toEqual([
      ['merge_duplicate', 'crm-X-0006', 'needs_review'],
      ['merge_survivor', 'crm-X-0005', 'needs_review'],
    ]);
    expect(tasks[0].state_reason).toContain('DRIFTWATCH_CONNECTORS_FILE is not set');
  });

  it('refuses bad decisions with a 400 naming the field, and changes nothing', async () => {
    const dupe = await t.api.sql<{ id: string }>(
      "SELECT id::text AS id FROM stewardship_items WHERE kind = 'duplicate'",
    );
    const unmatched = item('crm', 'crm-X-0006').id;
    // A fresh open duplicate item to decide on, as the fix-up module would raise one.
    const { item: raised } = await t.stewardship.open({
      kind: 'duplicate',
      sourceType: 'manual',
      sourceId: 'test-duplicate-1',
      entity: 'customer',
      system: 'crm',
      subjectKey: 'crm-C0001',
      candidates: [
        { system: 'crm', entityKey: 'crm-C0001' },
        { system: 'crm', entityKey: 'crm-C0002' },
      ],
    });
    const cases: [string, object, string][] = [
      [raised.id, { action: 'merge', survivor: 'crm-C0009' }, 'survivor'],
      [raised.id, { action: 'merge', survivor: 'crm-C0001', fields: { shoe_size: 'crm-C0002' } }, 'fields.shoe_size'],
      [raised.id, { action: 'merge', survivor: 'crm-C0001', fields: { email: 'crm-C0003' } }, 'fields.email'],
      [raised.id, { action: 'confirm_link' }, 'action'],
      [unmatched, { action: 'merge', survivor: 'crm-X-0006' }, 'action'],
      [unmatched, { action: 'confirm_link' }, 'counterpart'],
      [
        unmatched,
        { action: 'confirm_link', counterpart: { system: 'erp', entityKey: 'erp-C0404' } },
        'counterpart.entityKey',
      ],
      [unmatched, { action: 'explode' }, 'action'],
    ];
    for (const [id, body, field] of cases) {
      const res = await t.post(`${ITEMS}/${id}/decide`, body).expect(400);
      expect({ body, field: res.body.field }).toEqual({ body, field });
      expect(res.body.message).toContain(field);
    }
    const after = await t.api.sql<{ state: string }>('SELECT state FROM stewardship_items WHERE id = ANY($1::uuid[])', [
      [raised.id, unmatched],
    ]);
    expect(after.map((r) => r.state)).toEqual(['open', 'open']);
    // A decided item cannot be decided again.
    await t.post(`${ITEMS}/${dupe[0]?.id}/decide`, { action: 'merge', survivor: 'crm-X-0006' }).expect(409);
  });

  it('of two concurrent decisions on one item exactly one wins', async () => {
    const id = item('crm', 'crm-X-0005').id;
    const results = await Promise.all([
      t.post(`${ITEMS}/${id}/decide`, { action: 'confirm_link' }),
      t.post(`${ITEMS}/${id}/decide`, { action: 'reject_link' }),
      t.post(`${ITEMS}/${id}/dismiss`, { reason: 'not needed' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const events = await t.api.sql<{ action: string }>(
      "SELECT action FROM stewardship_item_events WHERE item_id = $1::uuid AND action <> 'open'",
      [id],
    );
    expect(events).toHaveLength(1);
    const links = await t.api.sql<{ status: string }>(
      "SELECT status FROM identity_links WHERE (key_a, key_b) IN (('crm-X-0005', 'erp-C0005'), ('erp-C0005', 'crm-X-0005'))",
    );
    const winner = results.find((r) => r.status === 200);
    // A dismissal records no link; a confirmation or rejection records exactly one.
    const expectedLinks = winner?.body.state === 'dismissed' ? 0 : 1;
    expect(links).toHaveLength(expectedLinks);
  });

  it('dismisses an open item with a reason (stewards only); a dismissed item cannot be dismissed again', async () => {
    const { item: raised } = await t.stewardship.open({
      kind: 'duplicate',
      sourceType: 'manual',
      sourceId: 'test-duplicate-dismiss',
      entity: 'customer',
      system: 'crm',
      subjectKey: 'crm-C0002',
      candidates: [
        { system: 'crm', entityKey: 'crm-C0002' },
        { system: 'crm', entityKey: 'crm-C0003' },
      ],
    });
    await t.post(`${ITEMS}/${raised.id}/dismiss`, { reason: 'not a duplicate' }, t.keys.engineer).expect(403);
    const res = await t.post(`${ITEMS}/${raised.id}/dismiss`, { reason: 'not a duplicate' }).expect(200);
    expect(res.body).toMatchObject({
      id: raised.id,
      kind: 'duplicate',
      sourceType: 'manual',
      state: 'dismissed',
      decision: null,
      reason: 'not a duplicate',
      decidedBy: expect.stringMatching(/^api-key:/),
      decidedAt: expect.any(String),
    });
    await t.post(`${ITEMS}/${raised.id}/dismiss`, { reason: 'again' }).expect(409);
    const detail = await t.get(`${ITEMS}/${raised.id}`).expect(200);
    expect(detail.body.events.map((e: { action: string }) => e.action)).toEqual(['open', 'dismiss']);
  });
});
