import { parseScenario, type RunningEstate } from '@driftwatch/demo-estate';
import type { INestApplication } from '@nestjs/common';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { DEFAULT_RULES_DIR } from '@driftwatch/reconciliation-rules';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { FixupsService } from '../../../backend/src/modules/fixups/fixups.service';
import type { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { startClosedLoop, type ClosedLoop } from '../support/closed-loop';
import { crmConnector, erpConnector, waitFor, writesByKey } from './support/fixups-harness';

/** Parents changed or cleared in the CRM behind the ERP's back (the ERP owns the hierarchy). */
const SCENARIO = parseScenario({ name: 'fixups-hierarchy', seed: 11, rates: { hierarchy_change: 0.5 } });
const CUSTOMERS = 60;

interface TaskRow {
  id: string;
  finding_id: string;
  source_key: string;
  state: string;
  state_reason: string | null;
  changes: { newValue: string }[];
}

/**
 * Hierarchy drift end to end: the estate's CRM parents edited → snapshots through the connectors →
 * the shipped customer.hierarchy rule → parentKey tasks with the ERP parent resolved to its CRM
 * Account Id → approved → written to the CRM's ParentId by the worker → the next run no longer sees it.
 */
describe('hierarchy fix-ups from a real run to the resolving run', () => {
  let loop: ClosedLoop;
  let estate: RunningEstate;
  let worker: INestApplication;
  let reconciliation: ReconciliationService;
  let db: DataSource;

  beforeAll(async () => {
    const rules = mkdtempSync(join(tmpdir(), 'dw-hierarchy-loop-'));
    copyFileSync(
      join(DEFAULT_RULES_DIR, 'customer', 'customer.hierarchy.yaml'),
      join(rules, 'customer.hierarchy.yaml'),
    );
    loop = await startClosedLoop({
      estate: { customers: CUSTOMERS, seed: 5, systems: ['crm', 'erp'], scenario: SCENARIO },
      connectors: (e) => [crmConnector(e), erpConnector(e)],
      rulesDir: rules,
      workerClickHouse: true,
    });
    ({ estate, worker, reconciliation, dataSource: db } = loop);
  }, 120_000);

  afterAll(async () => {
    await loop?.stop();
  });

  const snapshotBoth = () => loop.snapshot('customer', ['erp', 'crm']);

  const tasks = (): Promise<TaskRow[]> =>
    db.query(
      `SELECT id::text, finding_id, source_key, state, state_reason, changes FROM fix_tasks ORDER BY source_key`,
    );

  it('writes the owner parent into the CRM once per task, and the next run resolves the findings', async () => {
    await snapshotBoth();
    const first = await reconciliation.run({ trigger: 'api' });
    expect(first.status).toBe('complete');
    const findings: { id: string }[] = await db.query(
      `SELECT id FROM findings WHERE kind = 'hierarchy_mismatch' AND status <> 'resolved'`,
    );
    expect(findings.length).toBeGreaterThan(0);

    const plan = await worker.get(FixupPlannerService).planRun(first.runId);
    const planned = await tasks();
    expect(plan.created).toBe(findings.length);
    expect(planned.map((t) => t.finding_id).sort()).toEqual(findings.map((f) => f.id).sort());
    const writes = planned.filter((t) => t.state === 'proposed');
    // Every proposed write names a CRM Account Id as the new parent (resolved from the ERP's number).
    expect(writes.length).toBeGreaterThan(0);
    for (const t of writes) expect(t.changes[0].newValue).toMatch(/^001/);
    const review = planned.filter((t) => t.state !== 'proposed');
    for (const t of review) expect(t.state).toBe('needs_review');

    const ids = writes.map((t) => t.id);
    const approved = await worker.get(FixupsService).approve({ ids }, 'steward:e2e', 'checked');
    expect(approved.changed.sort()).toEqual([...ids].sort());
    await waitFor(
      async () => (await tasks()).filter((t) => ids.includes(t.id)),
      (ts) => ts.every((t) => t.state === 'done'),
      30_000,
      'parent writes to be done',
    );
    // One write per task at the CRM, nothing at the ERP.
    expect(await writesByKey(estate.crm.baseUrl)).toEqual(
      Object.fromEntries(writes.map((t) => [`Account/${t.source_key}`, 1])),
    );
    expect(await writesByKey(estate.erp.baseUrl)).toEqual({});

    await snapshotBoth();
    const second = await reconciliation.run({ trigger: 'api' });
    expect(second.status).toBe('complete');
    const fixed: { status: string }[] = await db.query(
      `SELECT f.status FROM findings f JOIN fix_tasks t ON t.finding_id = f.id WHERE t.id = ANY($1::uuid[])`,
      [ids],
    );
    expect(fixed.map((f) => f.status)).toEqual(ids.map(() => 'resolved'));
  }, 180_000);
});
