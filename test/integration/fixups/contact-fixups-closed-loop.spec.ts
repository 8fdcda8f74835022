import { parseScenario, type GroundTruthEntry, type RunningEstate } from '@driftwatch/demo-estate';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DEFAULT_RULES_DIR } from '@driftwatch/reconciliation-rules';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import type { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { startClosedLoop, type ClosedLoop } from '../support/closed-loop';
import { crmConnector, erpConnector, waitFor, writesByKey } from './support/fixups-harness';

/** Half of the customers have a CRM contact whose change never reached the ERP, or was never created there. */
const SCENARIO = parseScenario({ name: 'contact-fixups', seed: 11, rates: { contact_not_propagated: 0.5 } });
const CONTACT_RULES = ['contact.fields-match', 'contact.presence'];

interface FindingRow {
  id: string;
  rule_id: string;
  kind: string;
  match_key: string;
  field: string;
  actual_system: string;
  expected_value: string;
  status: string;
}

/**
 * The CRM owns contacts: the default pack's contact rules against the demo estate's CRM contacts and
 * ERP contact persons (Salesforce and Dynamics connectors over HTTP, real ClickHouse, Postgres and
 * Redis). Every injected title or phone change the ERP never got is a finding naming the CRM's value;
 * its auto-fix writes that value to the ERP contact person, and the next run resolves it. A contact
 * never created in the ERP is a presence finding for a person (no create through a fix-up).
 */
describe('contact fix-ups from the CRM to the ERP contact persons', () => {
  let loop: ClosedLoop;
  let estate: RunningEstate;
  let worker: INestApplication;
  let reconciliation: ReconciliationService;
  let dataSource: DataSource;

  beforeAll(async () => {
    loop = await startClosedLoop({
      estate: { customers: 40, seed: 5, systems: ['crm', 'erp'], scenario: SCENARIO },
      connectors: (e) => [crmConnector(e), erpConnector(e)],
      rulesDir: DEFAULT_RULES_DIR,
    });
    ({ estate, worker, reconciliation, dataSource } = loop);
  }, 120_000);

  afterAll(async () => {
    await loop?.stop();
  });

  const findings = (): Promise<FindingRow[]> =>
    dataSource.query(
      `SELECT id, rule_id, kind, match_key, field, actual_system, expected_value, status
       FROM findings WHERE rule_id = ANY($1) ORDER BY rule_id, match_key, field`,
      [CONTACT_RULES],
    );

  it('finds exactly the injected contact drift, writes the CRM values to the ERP and resolves them', async () => {
    const truth = estate.groundTruth().filter((e: GroundTruthEntry) => e.entity === 'contact');
    const edits = truth.filter((e) => e.variation === 'edit');
    const neverCreated = truth.filter((e) => e.variation === 'never_created');
    expect(edits.length).toBeGreaterThanOrEqual(4);
    expect(neverCreated.length).toBeGreaterThanOrEqual(1);

    await loop.snapshot('contact', ['erp', 'crm']);
    const first = await reconciliation.run({ trigger: 'api', ruleIds: CONTACT_RULES });
    expect(first.status).toBe('complete');
    const before = await findings();
    const mismatches = before.filter((f) => f.kind === 'mismatch');
    expect(mismatches.map((f) => `${f.match_key} ${f.field} ${f.actual_system}`).sort()).toEqual(
      edits.map((e) => `${e.key} ${e.field} erp`).sort(),
    );
    // The expected value is the CRM's: the ERP's vocabulary of it, normalised as the rule compares.
    for (const f of mismatches) {
      const e = edits.find((x) => x.key === f.match_key)!;
      if (f.field === 'title') expect(f.expected_value.toLowerCase()).toBe(String(e.expected).toLowerCase());
      else expect(f.expected_value.replace(/\D/g, '')).toBe(String(e.expected).replace(/\D/g, ''));
    }
    const missing = before.filter((f) => f.kind === 'missing');
    expect(missing.map((f) => f.match_key).sort()).toEqual(neverCreated.map((e) => e.key).sort());

    const plan = await worker.get(FixupPlannerService).planRun(first.runId);
    expect(plan).toMatchObject({ needsReview: missing.length });
    const taskStates = () =>
      dataSource.query<{ finding_id: string; state: string; target_system: string }[]>(
        `SELECT finding_id, state, target_system FROM fix_tasks WHERE finding_id = ANY($1)`,
        [mismatches.map((f) => f.id)],
      );
    const done = await waitFor(
      taskStates,
      (ts) => ts.length === mismatches.length && ts.every((t) => t.state === 'done'),
      30_000,
      'contact auto-fixes to be done',
    );
    expect(new Set(done.map((t) => t.target_system))).toEqual(new Set(['erp']));
    // One write per fixed ERP contact person, nothing at the CRM.
    const erpWrites = await writesByKey(estate.erp.baseUrl);
    expect(Object.keys(erpWrites).every((k) => k.startsWith('CDSContactPersonsV2/'))).toBe(true);
    expect(Object.keys(erpWrites)).toHaveLength(new Set(edits.map((e) => e.sourceKey)).size);
    expect(await writesByKey(estate.crm.baseUrl)).toEqual({});

    await loop.snapshot('contact', ['erp', 'crm']);
    const second = await reconciliation.run({ trigger: 'api', ruleIds: CONTACT_RULES });
    expect(second.status).toBe('complete');
    const after = await findings();
    for (const f of mismatches) expect(after.find((a) => a.id === f.id)?.status).toBe('resolved');
    // The contacts never created in the ERP are still missing: people decide those.
    expect(
      after
        .filter((f) => f.status !== 'resolved')
        .map((f) => f.id)
        .sort(),
    ).toEqual(missing.map((f) => f.id).sort());
  }, 120_000);
});
