import { parseScenario, type GroundTruthEntry } from '@driftwatch/demo-estate';
import type { FixupTaskView } from '../../../backend/src/modules/fixups/fixup-task';
import type { ItemView } from '../../../backend/src/modules/stewardship/stewardship-item';
import { erpConnector, waitFor, writesByKey } from '../fixups/support/fixups-harness';
import { MergeEstateApp, supportConnector } from './support/merge-estate-app';

const ITEMS = '/api/v1/stewardship/items';
/** A team name longer than the CRM's Account_Team__c (80): it got into one record by an import. */
const LONG_TEAM = `Key Accounts EMEA ${'North and Central Region '.repeat(4)}`.trim();

/** The estate's injected CRM duplicates: the copy's Salesforce Id and how it differs from the original. */
const crmDuplicates = (truth: readonly GroundTruthEntry[]) =>
  truth
    .filter((e) => e.kind === 'duplicate' && e.system === 'crm' && e.sourceKey)
    .map((e) => ({ sourceKey: e.sourceKey!, variation: e.variation ?? undefined }));

interface RecordState {
  system: string;
  entityKey: string;
  fields: Record<string, string>;
}

/**
 * Merge decisions on the demo estate's real duplicates become fix-up tasks that reach the estate:
 * CRM duplicates (the estate's duplicate drift, found by a reconciliation run over real snapshots)
 * and two support-desk organizations under one name. The application reaches the estate through a
 * connectors file; a corrective-sync worker applies approved tasks and verifies them by reading back.
 */
describe('stewardship merge decisions become fix-up tasks applied at the estate', () => {
  let t: MergeEstateApp;
  let duplicates: { sourceKey: string; variation?: string }[];
  let supportPair: { survivor: string; loser: string; name: string };
  let longTeamLoser = '';
  let erpPair: { survivor: string; loser: string };
  let items: ItemView[];

  const crmItems = () => items.filter((i) => i.kind === 'duplicate' && i.system === 'crm');
  const used = new Set<string>();
  /**
   * The CRM duplicate item of an injected duplicate not used by another test yet (its survivor is the
   * original account); `renamed`: one whose copy differs from the original in its name.
   */
  const crmItem = (which: { renamed?: boolean; loser?: string } = {}) => {
    const entry = duplicates.find(
      (e) =>
        !used.has(e.sourceKey) &&
        (which.loser ? e.sourceKey === which.loser : e.sourceKey !== longTeamLoser) &&
        (!which.renamed || e.variation !== 'swapped_address_lines'),
    );
    if (!entry) throw new Error(`no unused duplicate for ${JSON.stringify(which)}`);
    used.add(entry.sourceKey);
    const loser = entry.sourceKey;
    const item = crmItems().find((i) => i.candidates.some((c) => c.entityKey === loser));
    if (!item) throw new Error(`no duplicate item for ${loser}`);
    const survivor = item.candidates.find((c) => c.entityKey !== loser)!.entityKey;
    return { item, survivor, loser };
  };
  const detail = async (id: string) =>
    (await t.get(`${ITEMS}/${id}`).expect(200)).body as { item: ItemView; records: RecordState[] };
  const tasksOf = async (ids: string[]): Promise<FixupTaskView[]> =>
    Promise.all(ids.map(async (id) => (await t.get(`/api/v1/fixups/${id}`).expect(200)).body.task as FixupTaskView));
  const taskCount = async (item: ItemView) =>
    Number(
      (await t.api.sql<{ n: string }>('SELECT count(*) AS n FROM fix_tasks WHERE finding_id = $1', [item.sourceId]))[0]
        .n,
    );

  beforeAll(async () => {
    t = await MergeEstateApp.start({
      customers: 30,
      seed: 11,
      scenario: parseScenario({ name: 'merge-fixups', seed: 5, rates: { duplicate: 0.4 } }),
      // A system default is for field fixes: it does not make CRM merges automatic. Naming the
      // support duplicates rule does.
      policy: 'version: 1\nrules:\n  customer.support-duplicates: auto\nsystems:\n  crm:\n    default: auto\n',
      prepare: async (estate) => {
        const dups = crmDuplicates(estate.groundTruth());
        // The last duplicate carries a team name the CRM would refuse on a write.
        longTeamLoser = dups[dups.length - 1].sourceKey;
        await fetch(`${estate.crm.baseUrl}/__admin/mutate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ entity: 'Account', key: longTeamLoser, fields: { Account_Team__c: LONG_TEAM } }),
        }).then((r) => expect(r.status).toBe(200));
        // Two support organizations under one name (spelled in capitals in the second).
        const connector = supportConnector(estate);
        const [first, second] = (await connector.extract('customer', { mode: 'full' })[Symbol.asyncIterator]().next())
          .value!.records;
        const name = first.fields.legalName;
        await fetch(`${estate.support.baseUrl}/__admin/mutate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            entity: 'organizations',
            key: second.sourceKey,
            fields: { name: name.toUpperCase() },
          }),
        }).then((r) => expect(r.status).toBe(200));
        supportPair = { survivor: first.sourceKey, loser: second.sourceKey, name };
        // Two active ERP customers of the US company (usmf) under one tax id.
        const us: { sourceKey: string; taxId: string }[] = [];
        for await (const batch of erpConnector(estate).extract('customer', { mode: 'full' })) {
          for (const r of batch.records) {
            if (r.fields.country === 'US' && r.fields.status === 'active' && r.fields.taxId) {
              us.push({ sourceKey: r.sourceKey, taxId: r.fields.taxId });
            }
          }
        }
        expect(us.length).toBeGreaterThanOrEqual(2);
        await fetch(`${estate.erp.baseUrl}/__admin/mutate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            entity: 'CustomersV3',
            key: `usmf|${us[1].sourceKey.toLowerCase()}`,
            fields: { TaxExemptNumber: us[0].taxId },
          }),
        }).then((r) => expect(r.status).toBe(200));
        erpPair = { survivor: us[0].sourceKey, loser: us[1].sourceKey };
      },
    });
    duplicates = crmDuplicates(t.estate.groundTruth());
    expect(duplicates.length).toBeGreaterThanOrEqual(4);
    const { run } = await t.snapshotAndReconcile();
    expect(run.status).toBe('complete');
    items = (await t.get(`${ITEMS}?kind=duplicate&limit=500`).expect(200)).body.items as ItemView[];
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('decision → proposed tasks → approved → written at the CRM → verified done', async () => {
    const { item, survivor, loser } = crmItem({ renamed: true });
    const { records } = await detail(item.id);
    const before = Object.fromEntries(records.map((r) => [r.entityKey, r.fields]));
    const field = 'legal_name';
    expect(before[loser][field]).not.toBe(before[survivor][field]);
    const writesBefore = await writesByKey(t.estate.crm.baseUrl);

    const res = await t
      .post(`${ITEMS}/${item.id}/decide`, { action: 'merge', survivor, fields: { [field]: loser, tax_id: survivor } })
      .expect(200);
    const taskIds = res.body.decision.fixupTaskIds as string[];
    expect(taskIds).toHaveLength(2);
    const [survivorTask, loserTask] = await tasksOf(taskIds);
    expect(survivorTask).toMatchObject({
      targetSystem: 'crm',
      sourceKey: survivor,
      findingKind: 'merge_survivor',
      ruleKind: 'duplicates',
      findingId: item.sourceId,
      policy: 'approval',
      state: 'proposed',
      changes: [
        { field: 'legalName', column: field, expectedOld: before[survivor][field], newValue: before[loser][field] },
      ],
    });
    expect(loserTask).toMatchObject({
      sourceKey: loser,
      findingKind: 'merge_duplicate',
      policy: 'approval',
      state: 'proposed',
      changes: [{ field: 'status', column: 'status', expectedOld: 'active', newValue: 'inactive' }],
    });
    expect(survivorTask.stateReason).toContain('approval required (default for merges)');
    // Nothing is written before a person approves.
    expect(await writesByKey(t.estate.crm.baseUrl)).toEqual(writesBefore);

    await t.post('/api/v1/fixups/approve', { ids: taskIds, reason: 'merge checked' }).expect(200);
    await waitFor(
      () => tasksOf(taskIds),
      (ts) => ts.every((x) => x.state === 'done'),
      60_000,
      'both merge tasks to be done',
    );
    const survivorNow = await t.record('crm', 'Account', survivor);
    const loserNow = await t.record('crm', 'Account', loser);
    expect(survivorNow.Name).toBe(before[loser].legal_name);
    expect(loserNow.Account_Status__c).toBe('Inactive');
    // Each record written exactly once.
    const writes = await writesByKey(t.estate.crm.baseUrl);
    expect((writes[`Account/${survivor}`] ?? 0) - (writesBefore[`Account/${survivor}`] ?? 0)).toBe(1);
    expect((writes[`Account/${loser}`] ?? 0) - (writesBefore[`Account/${loser}`] ?? 0)).toBe(1);
    const trail = (await t.get(`/api/v1/fixups/${loserTask.id}`).expect(200)).body.transitions as {
      toState: string;
    }[];
    expect(trail.map((e) => e.toState)).toEqual(['proposed', 'approved', 'queued', 'applying', 'verifying', 'done']);
    const events = (await detail(item.id)) as unknown as { events: { action: string }[] };
    expect(events.events.map((e) => e.action)).toEqual(['open', 'merge', 'fixups_planned']);

    // The next snapshots and run no longer see the pair (the retired loser is filtered out): the finding resolves.
    const finding = async (id: string) =>
      (await t.get(`/api/v1/findings/${id}`).expect(200)).body.finding as { status: string; lastRunId: string };
    expect((await finding(item.sourceId)).status).not.toBe('resolved');
    const { run } = await t.snapshotAndReconcile();
    expect(run.status).toBe('complete');
    expect(await finding(item.sourceId)).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) });
    // The other CRM duplicates are still reported by that run.
    const others = crmItems().filter((i) => i.id !== item.id);
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) {
      expect(await finding(other.sourceId)).toMatchObject({ status: 'open', lastRunId: run.runId });
    }
  }, 180_000);

  it('deciding twice creates no second set of tasks; a different decision is refused', async () => {
    const { item, survivor, loser } = crmItem();
    const body = { action: 'merge', survivor, fields: { legal_name: loser } };
    // Two identical decisions at once (a double click, a retried request): one set of tasks.
    const [a, b] = await Promise.all([
      t.post(`${ITEMS}/${item.id}/decide`, body),
      t.post(`${ITEMS}/${item.id}/decide`, body),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const again = await t.post(`${ITEMS}/${item.id}/decide`, body).expect(200);
    const ids = again.body.decision.fixupTaskIds as string[];
    expect(ids.length).toBeGreaterThanOrEqual(1);
    expect(a.body.decision.fixupTaskIds).toEqual(ids);
    expect(b.body.decision.fixupTaskIds).toEqual(ids);
    expect(await taskCount(item)).toBe(ids.length);
    await t.post(`${ITEMS}/${item.id}/decide`, { action: 'merge', survivor: loser }).expect(409);
    expect(await taskCount(item)).toBe(ids.length);
  }, 60_000);

  it('a survivor edited in the CRM after the decision becomes a conflict, not an overwrite', async () => {
    const { item, survivor, loser } = crmItem({ renamed: true });
    const res = await t
      .post(`${ITEMS}/${item.id}/decide`, {
        action: 'merge',
        survivor,
        fields: { email: loser, account_team: loser, legal_name: loser },
      })
      .expect(200);
    const [survivorTask] = (await tasksOf(res.body.decision.fixupTaskIds as string[])).filter(
      (x) => x.findingKind === 'merge_survivor',
    );
    expect(survivorTask?.changes.map((c) => c.column)).toContain('legal_name');
    // Someone renames the survivor in the CRM after the steward decided.
    await fetch(`${t.estate.crm.baseUrl}/__admin/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entity: 'Account', key: survivor, fields: { Name: 'Renamed By Sales Ltd' } }),
    }).then((r) => expect(r.status).toBe(200));
    await t.post(`/api/v1/fixups/${survivorTask.id}/approve`, {}).expect(200);
    const [after] = await waitFor(
      () => tasksOf([survivorTask.id]),
      (ts) => ts[0].state === 'conflict',
      60_000,
      'the survivor task to be a conflict',
    );
    expect(after.stateReason).toMatch(/changed since/);
    expect((await t.record('crm', 'Account', survivor)).Name).toBe('Renamed By Sales Ltd');
    const reviews = (await t.get('/api/v1/stewardship/reviews?limit=100').expect(200)).body.items as {
      kind: string;
      task: { id: string };
    }[];
    expect(reviews.find((r) => r.task.id === survivorTask.id)?.kind).toBe('conflict');
  }, 90_000);

  it('a write the CRM refuses (STRING_TOO_LONG) lands in the stewardship reviews', async () => {
    const { item, survivor, loser } = crmItem({ loser: longTeamLoser });
    const res = await t
      .post(`${ITEMS}/${item.id}/decide`, { action: 'merge', survivor, fields: { account_team: loser } })
      .expect(200);
    const [task] = (await tasksOf(res.body.decision.fixupTaskIds as string[])).filter(
      (x) => x.findingKind === 'merge_survivor',
    );
    expect(task.changes).toEqual([expect.objectContaining({ field: 'accountTeam', newValue: LONG_TEAM })]);
    const writesBefore = await writesByKey(t.estate.crm.baseUrl);
    await t.post(`/api/v1/fixups/${task.id}/approve`, {}).expect(200);
    const [after] = await waitFor(
      () => tasksOf([task.id]),
      (ts) => ts[0].state === 'needs_review',
      60_000,
      'the refused write to need review',
    );
    expect(after.stateReason).toContain('the target refused the write');
    expect(after.stateReason).toContain('STRING_TOO_LONG');
    const reviews = (await t.get('/api/v1/stewardship/reviews?limit=100').expect(200)).body.items as {
      kind: string;
      task: { id: string };
    }[];
    expect(reviews.find((r) => r.task.id === task.id)?.kind).toBe('validation_failure');
    expect((await writesByKey(t.estate.crm.baseUrl))[`Account/${survivor}`]).toBe(writesBefore[`Account/${survivor}`]);
    // The steward dismisses it from the stewardship queue.
    await t
      .post(`/api/v1/stewardship/reviews/${task.id}/decide`, { decision: 'dismiss', reason: 'team name too long' })
      .expect(200);
    expect((await tasksOf([task.id]))[0].state).toBe('dismissed');
  }, 90_000);

  it('a connector that cannot retire a record: the duplicate task needs review; the auto policy writes the survivor', async () => {
    const item = items.find((i) => i.kind === 'duplicate' && i.system === 'support');
    expect(item?.candidates.map((c) => c.entityKey).sort()).toEqual([supportPair.survivor, supportPair.loser].sort());
    const writesBefore = await writesByKey(t.estate.support.baseUrl);
    const res = await t
      .post(`${ITEMS}/${item!.id}/decide`, {
        action: 'merge',
        survivor: supportPair.loser,
        fields: { legal_name: supportPair.survivor },
      })
      .expect(200);
    const tasks = await tasksOf(res.body.decision.fixupTaskIds as string[]);
    const retire = tasks.find((x) => x.findingKind === 'merge_duplicate')!;
    expect(retire).toMatchObject({
      targetSystem: 'support',
      sourceKey: supportPair.survivor,
      state: 'needs_review',
      changes: [],
    });
    expect(retire.stateReason).toContain(
      'the support-desk connector support has no write that marks a customer merged or inactive',
    );
    const reviews = (await t.get('/api/v1/stewardship/reviews?limit=100').expect(200)).body.items as {
      kind: string;
      task: { id: string };
    }[];
    expect(reviews.find((r) => r.task.id === retire.id)?.kind).toBe('needs_decision');
    const decisions = (await t.get('/api/v1/stewardship/reviews?reason=needs_decision&limit=100').expect(200)).body
      .items as { kind: string; task: { id: string } }[];
    expect(decisions.map((r) => r.task.id)).toContain(retire.id);
    expect(decisions.every((r) => r.kind === 'needs_decision')).toBe(true);
    // Approving it would move it on and mark it done with nothing written: refused; it can only be dismissed.
    const refused = await t
      .post(`/api/v1/stewardship/reviews/${retire.id}/decide`, { decision: 'approve' })
      .expect(409);
    expect(refused.body).toMatchObject({ field: 'changes' });
    const bulk = await t.post('/api/v1/fixups/approve', { ids: [retire.id] }).expect(200);
    expect(bulk.body).toMatchObject({ changed: [], refused: [{ id: retire.id }] });
    expect((await tasksOf([retire.id]))[0].state).toBe('needs_review');
    // The survivor's name is written straight away: the policy file names the support duplicates rule.
    const survivorTask = tasks.find((x) => x.findingKind === 'merge_survivor')!;
    expect(survivorTask).toMatchObject({
      policy: 'auto',
      changes: [expect.objectContaining({ field: 'legalName', newValue: supportPair.name })],
    });
    await waitFor(
      () => tasksOf([survivorTask.id]),
      (ts) => ts[0].state === 'done',
      60_000,
      'the auto task to be done',
    );
    expect((await t.record('support', 'organizations', supportPair.loser)).name).toBe(supportPair.name);
    const writes = await writesByKey(t.estate.support.baseUrl);
    const written = Object.keys(writes).filter((k) => writes[k] !== writesBefore[k]);
    expect(written).toEqual([`organizations/${supportPair.loser}`]);
  }, 90_000);
  it('an ERP duplicate is retired by putting it on hold for all transactions (Dynamics OnHoldStatus All)', async () => {
    const item = items.find((i) => i.kind === 'duplicate' && i.system === 'erp');
    expect(item?.candidates.map((c) => c.entityKey).sort()).toEqual([erpPair.survivor, erpPair.loser].sort());
    const res = await t
      .post(`${ITEMS}/${item!.id}/decide`, { action: 'merge', survivor: erpPair.survivor, fields: {} })
      .expect(200);
    const tasks = await tasksOf(res.body.decision.fixupTaskIds as string[]);
    expect(tasks).toEqual([
      expect.objectContaining({
        targetSystem: 'erp',
        sourceKey: erpPair.loser,
        findingKind: 'merge_duplicate',
        state: 'proposed',
        changes: [{ field: 'status', column: 'status', expectedOld: 'active', newValue: 'blocked' }],
      }),
    ]);
    await t.post(`/api/v1/fixups/${tasks[0].id}/approve`, {}).expect(200);
    await waitFor(
      () => tasksOf([tasks[0].id]),
      (ts) => ts[0].state === 'done',
      60_000,
      'the ERP task to be done',
    );
    const key = `usmf|${erpPair.loser.toLowerCase()}`;
    expect((await t.record('erp', 'CustomersV3', key)).OnHoldStatus).toBe('All');
    expect((await t.record('erp', 'CustomersV3', `usmf|${erpPair.survivor.toLowerCase()}`)).OnHoldStatus).toBe('No');
    expect(await writesByKey(t.estate.erp.baseUrl)).toEqual({ [`CustomersV3/${key}`]: 1 });
    // The loser now reads as `blocked`, which the ERP duplicates rule leaves out: the next run resolves the pair.
    await t.snapshotAndReconcile();
    expect((await t.get(`/api/v1/findings/${item!.sourceId}`).expect(200)).body.finding).toMatchObject({
      status: 'resolved',
    });
  }, 120_000);
});
