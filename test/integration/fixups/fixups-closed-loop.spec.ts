import { parseScenario, type GroundTruthEntry, type RunningEstate } from '@driftwatch/demo-estate';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DEFAULT_RULES_DIR } from '@driftwatch/reconciliation-rules';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { FixupsService } from '../../../backend/src/modules/fixups/fixups.service';
import type { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { startClosedLoop, type ClosedLoop } from '../support/closed-loop';
import { crmConnector, erpConnector, waitFor, writesByKey } from './support/fixups-harness';

/**
 * A quarter of the customers get one CRM field edited behind the ERP's back, and a few are entered
 * twice in the CRM (duplicates: a manual rule, so tasks for people).
 */
const SCENARIO = parseScenario({ name: 'fixups-closed-loop', seed: 7, rates: { field_edit: 0.25, duplicate: 0.1 } });
const CUSTOMERS = 40;
/** The estate's field names where the snapshot column is named otherwise. */
const CANONICAL_COLUMN: Record<string, string> = {
  billing_city: 'billing_address_city',
  billing_postal_code: 'billing_address_postal_code',
};

interface FindingRow {
  id: string;
  rule_id: string;
  match_key: string;
  field: string;
  owner_system: string;
  actual_system: string;
  expected_value: string;
  status: string;
}

interface TaskRow {
  id: string;
  finding_id: string;
  rule_id: string;
  target_system: string;
  source_key: string;
  policy: string;
  state: string;
  created_run_id: string;
  resolved_run_id: string | null;
}

/**
 * The whole loop on real parts: the demo estate (CRM + ERP over HTTP) with injected field drift →
 * snapshots through the Salesforce and Dynamics connectors into ClickHouse → a reconciliation run of
 * the shipped rule pack → the planner makes tasks by each rule's fix policy → a steward approves what
 * needs approval → the corrective-sync worker writes the owner's value to the estate → the next
 * snapshots and run no longer see the findings, which resolve, and each task names that run.
 */
describe('fix-ups closed loop from a real reconciliation run to the resolving run', () => {
  let loop: ClosedLoop;
  let estate: RunningEstate;
  let worker: INestApplication;
  let reconciliation: ReconciliationService;
  let dataSource: DataSource;

  beforeAll(async () => {
    loop = await startClosedLoop({
      estate: { customers: CUSTOMERS, seed: 3, systems: ['crm', 'erp'], scenario: SCENARIO },
      connectors: (e) => [crmConnector(e), erpConnector(e)],
      rulesDir: DEFAULT_RULES_DIR,
      env: { SNAPSHOT_INSERT_ROWS: '200' },
    });
    ({ estate, worker, reconciliation, dataSource } = loop);
  }, 120_000);

  afterAll(async () => {
    await loop?.stop();
  });

  const snapshotBoth = () => loop.snapshot('customer', ['erp', 'crm']);

  const fieldFindings = (): Promise<FindingRow[]> =>
    dataSource.query(
      `SELECT f.id, f.rule_id, f.match_key, f.field, f.owner_system, f.actual_system, f.expected_value, f.status
       FROM findings f WHERE f.kind = 'mismatch' ORDER BY f.rule_id, f.match_key, f.field`,
    );

  const tasks = (): Promise<TaskRow[]> =>
    dataSource.query(
      `SELECT id::text, finding_id, rule_id, target_system, source_key, policy, state,
              created_run_id::text, resolved_run_id::text
       FROM fix_tasks ORDER BY rule_id, source_key`,
    );

  /**
   * Writes each estate system counted per record: CRM `Account/<Id>`; ERP `<customer account>` (the
   * estate keys ERP writes by legal entity, `CustomersV3/<company>|<account, lower case>`).
   */
  const writesAt = async () => {
    const erp: Record<string, number> = {};
    for (const [key, n] of Object.entries(await writesByKey(estate.erp.baseUrl))) {
      const account = /^CustomersV3\/[a-z]+\|(.+)$/.exec(key)?.[1].toUpperCase() ?? key;
      erp[account] = (erp[account] ?? 0) + n;
    }
    return { crm: await writesByKey(estate.crm.baseUrl), erp };
  };

  it('fixes the injected field drift in the estate and links every task to the run that saw it resolved', async () => {
    // Field drift the estate injected into customers' copies (credit profiles are not snapshotted here).
    const drift = estate
      .groundTruth()
      .filter((e: GroundTruthEntry) => e.kind === 'field_edit' && e.entity === 'customer');
    expect(drift.length).toBeGreaterThanOrEqual(4);

    // 1. Real snapshots and a real reconciliation run.
    await snapshotBoth();
    const first = await reconciliation.run({ trigger: 'api' });
    expect(first.status).toBe('complete');
    const before = await fieldFindings();
    // Every injected customer field edit is a finding of this run (the estate's own truth).
    const seen = new Set(before.map((f) => `${f.match_key}/${f.field}`));
    for (const e of drift) expect(seen).toContain(`${e.key}/${CANONICAL_COLUMN[e.field ?? ''] ?? e.field}`);
    expect(before.every((f) => f.status !== 'resolved')).toBe(true);
    const writesBefore = await writesAt();
    expect(Object.keys(writesBefore.crm)).toHaveLength(0);
    expect(Object.keys(writesBefore.erp)).toHaveLength(0);

    // 2. The planner turns them into tasks by each rule's fix policy.
    const plan = await worker.get(FixupPlannerService).planRun(first.runId);
    // Field mismatches become writes; the injected duplicates go to people (manual policy; no
    // stewardship module in this process: needs_review, no changes).
    const duplicates: { id: string }[] = await dataSource.query(
      `SELECT id FROM findings WHERE kind IN ('duplicate', 'duplicate_candidate')`,
    );
    expect(duplicates.length).toBeGreaterThan(0);
    expect(plan).toMatchObject({ created: before.length + duplicates.length, needsReview: duplicates.length });
    const all = await tasks();
    const planned = all.filter((t) => before.some((f) => f.id === t.finding_id));
    const forPeople = all.filter((t) => !planned.includes(t));
    expect(planned).toHaveLength(before.length);
    expect(forPeople.map((t) => [t.finding_id, t.state]).sort()).toEqual(
      duplicates.map((d) => [d.id, 'needs_review']).sort(),
    );
    const policyOf: Record<string, string> = {
      'customer.billing-address-match': 'auto',
      'customer.contact-channels-match': 'auto',
      'customer.legal-identity-match': 'approval',
    };
    for (const t of planned) {
      const finding = before.find((f) => f.id === t.finding_id)!;
      // The owner's value goes to the other system.
      expect(t.target_system).toBe(finding.actual_system);
      expect(t.policy).toBe(policyOf[t.rule_id]);
      expect(t.created_run_id).toBe(first.runId);
    }
    const fieldTasks = async () => (await tasks()).filter((t) => planned.some((p) => p.id === t.id));
    const approvalIds = planned.filter((t) => t.policy === 'approval').map((t) => t.id);
    expect(approvalIds.length).toBeGreaterThan(0);
    expect(planned.filter((t) => t.policy === 'approval').every((t) => t.state === 'proposed')).toBe(true);

    // Auto-fixes flow on their own; the approval ones wait for a person.
    await waitFor(
      fieldTasks,
      (ts) => ts.filter((t) => t.policy === 'auto').every((t) => t.state === 'done'),
      30_000,
      'auto-fixes to be done',
    );
    expect((await fieldTasks()).filter((t) => t.policy === 'approval').every((t) => t.state === 'proposed')).toBe(true);

    // 3. A steward approves the rest; the worker writes them too.
    const approved = await worker.get(FixupsService).approve({ ids: approvalIds }, 'steward:e2e', 'checked');
    expect(approved.changed.sort()).toEqual([...approvalIds].sort());
    const done = await waitFor(
      fieldTasks,
      (ts) => ts.every((t) => t.state === 'done'),
      30_000,
      'every task to be done',
    );

    // Each fixed record written exactly once, at the system the task targeted; nothing else written.
    const writes = await writesAt();
    const expectedWrites: Record<string, Record<string, number>> = { crm: {}, erp: {} };
    for (const t of done) {
      const key = t.target_system === 'crm' ? `Account/${t.source_key}` : t.source_key;
      expectedWrites[t.target_system][key] = (expectedWrites[t.target_system][key] ?? 0) + 1;
    }
    expect(writes).toEqual(expectedWrites);

    // 4. Next snapshots and reconciliation: the findings are gone and resolve; the tasks link to that run.
    await snapshotBoth();
    const second = await reconciliation.run({ trigger: 'api' });
    expect(second.status).toBe('complete');
    const after = await fieldFindings();
    for (const f of before) expect(after.find((a) => a.id === f.id)?.status).toBe('resolved');
    expect(after.filter((f) => f.status !== 'resolved')).toEqual([]);
    // Nothing new was written meanwhile.
    expect(await writesAt()).toEqual(writes);

    const secondPlan = await worker.get(FixupPlannerService).planRun(second.runId);
    expect(secondPlan).toMatchObject({ created: 0, resolvedLinked: done.length, dismissedResolved: 0 });
    const linked = await fieldTasks();
    expect(linked.map((t) => [t.state, t.resolved_run_id])).toEqual(linked.map(() => ['done', second.runId]));
    // The duplicates are still seen: their tasks stay with people, unlinked.
    const stillForPeople = (await tasks()).filter((t) => forPeople.some((p) => p.id === t.id));
    expect(stillForPeople.map((t) => [t.state, t.resolved_run_id])).toEqual(
      forPeople.map(() => ['needs_review', null]),
    );
    // The API view shows the link too.
    const view = await worker.get(FixupsService).detail(linked[0].id);
    expect(view.task.resolvedRunId).toBe(second.runId);
  }, 120_000);
});
