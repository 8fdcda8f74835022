import { findingId } from '../../../backend/src/modules/findings/finding';
import { FINDINGS_LIST_QUERY } from '../../../backend/src/modules/findings/findings-query';
import { SUSPICIOUS_SNAPSHOT_RULE } from '../../../backend/src/modules/reconciliation/flood-guard';
import {
  customers,
  ReconciliationFixture,
  type PreviewingFixture,
  type Customer,
} from './support/reconciliation-fixture';

const PRESENCE = 'customer.test-presence';
const NAMES = 'customer.test-legal-name';

// ERP holds 300 customers. The CRM lacks the last 12 and spells the first 5 legal names differently.
const erp = customers(300);
const crmWith = (overrides: Record<string, string | null>): Customer[] =>
  erp.flatMap((c) => {
    const override = overrides[c.customer_number];
    if (override === null) return [];
    return [{ ...c, legal_name: override ?? c.legal_name }];
  });
const baseline: Record<string, string | null> = {};
for (let i = 289; i <= 300; i++) baseline[`C0${i}`] = null;
for (let i = 1; i <= 5; i++) baseline[`C000${i}`] = `  ACME ${i} LTD`;

const nameFinding = (key: string) =>
  findingId({ ruleId: NAMES, entity: 'customer', matchKey: key, field: 'legal_name', actualSystem: 'crm' });
const missingFinding = (key: string) =>
  findingId({ ruleId: PRESENCE, entity: 'customer', matchKey: key, field: '', actualSystem: 'crm' });

describe('reconciliation runs against real ClickHouse and Postgres: lifecycle, flood guard, targeted, dry-run, backtest', () => {
  let fx: PreviewingFixture;

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('a run records findings: 12 missing in the CRM and 5 legal-name mismatches, all new', async () => {
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot('crm', crmWith(baseline));
    const run = await fx.service.run({ trigger: 'api' });
    expect(run.status).toBe('complete');
    expect(run.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 12, new: 12, version: 1 });
    expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 5, new: 5, version: 2 });
    expect(await fx.findings.countByStatus([PRESENCE, NAMES])).toEqual({ new: 17 });
    expect(await fx.historyRows()).toBe(17);
    const mismatch = await fx.findings.findById(nameFinding('C0001'));
    expect(mismatch).toMatchObject({
      ownerSystem: 'erp',
      expectedValue: 'Acme 1',
      actualSystem: 'crm',
      actualValue: '  ACME 1 LTD',
      severity: 'medium',
      status: 'new',
      occurrences: 1,
    });
    const runs = await fx.dataSource.query(`SELECT status, rule_versions FROM reconciliation_runs`);
    expect(runs).toEqual([{ status: 'complete', rule_versions: { [PRESENCE]: 1, [NAMES]: 2 } }]);
  });

  it('a rerun counts occurrences and moves findings to open without duplicating them', async () => {
    await fx.service.run({ trigger: 'schedule' });
    expect(await fx.findings.countByStatus([PRESENCE, NAMES])).toEqual({ open: 17 });
    expect(await fx.findings.findById(missingFinding('C0300'))).toMatchObject({ occurrences: 2, status: 'open' });
  });

  it('fixing the data resolves the findings the next run no longer sees; breaking it again reopens the same finding', async () => {
    // C0001's name corrected and C0300 added in the CRM.
    const fixed: Record<string, string | null> = { ...baseline };
    delete fixed.C0001;
    delete fixed.C0300;
    await fx.completeSnapshot('crm', crmWith(fixed));
    const run = await fx.service.run({ trigger: 'snapshot' });
    expect(run.resolvedTotal).toBe(2);
    expect(await fx.findings.findById(nameFinding('C0001'))).toMatchObject({ status: 'resolved' });
    expect(await fx.findings.findById(missingFinding('C0300'))).toMatchObject({ status: 'resolved' });
    expect(await fx.findings.countByStatus([PRESENCE, NAMES])).toEqual({ open: 15, resolved: 2 });

    await fx.completeSnapshot('crm', crmWith(baseline));
    await fx.service.run({ trigger: 'snapshot' });
    const reopened = await fx.findings.findById(nameFinding('C0001'));
    expect(reopened).toMatchObject({ status: 'reopened', occurrences: 3, resolvedAt: null });
    expect(await fx.findings.countByStatus([PRESENCE, NAMES])).toEqual({ open: 15, reopened: 2 });
  });

  it('the flood guard holds presence rules after a sharp row drop or a partial snapshot and raises one suspicious-snapshot finding', async () => {
    // The CRM suddenly delivers 120 of its ~288 customers: 168 would look "missing".
    await fx.completeSnapshot('crm', crmWith(baseline).slice(0, 120));
    const dropped = await fx.service.run({ trigger: 'snapshot' });
    expect(dropped.ruleCounts[PRESENCE]).toMatchObject({ status: 'held' });
    expect(dropped.ruleCounts[NAMES]).toMatchObject({ status: 'ran' });
    expect(dropped.held).toMatchObject([{ system: 'crm', entity: 'customer', reason: 'row_count_drop' }]);
    const suspicious = await fx.findings.find(FINDINGS_LIST_QUERY.parse({ ruleId: SUSPICIOUS_SNAPSHOT_RULE }), 10);
    expect(suspicious).toHaveLength(1);
    expect(suspicious[0]).toMatchObject({ kind: 'suspicious_snapshot', actualSystem: 'crm', actualValue: '120' });
    expect(suspicious[0].details).toMatchObject({ held_rules: [PRESENCE] });
    // Presence findings neither multiplied nor resolved while held.
    const presence = await fx.findings.countByStatus([PRESENCE]);
    expect(presence).toEqual({ open: 11, reopened: 1 });

    // A partial snapshot holds too; the suspicious finding stays one finding.
    await fx.completeSnapshot('crm', crmWith(baseline));
    await fx.partialSnapshot('crm');
    const partial = await fx.service.run({ trigger: 'schedule' });
    expect(partial.held).toMatchObject([{ system: 'crm', reason: 'latest_snapshot_partial' }]);
    expect(await fx.findings.countByStatus([SUSPICIOUS_SNAPSHOT_RULE])).toEqual({ open: 1 });

    // A healthy snapshot again: presence runs, the suspicious-snapshot finding resolves.
    await fx.completeSnapshot('crm', crmWith(baseline));
    const healthy = await fx.service.run({ trigger: 'schedule' });
    expect(healthy.held).toEqual([]);
    expect(healthy.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 12 });
    expect(await fx.findings.countByStatus([SUSPICIOUS_SNAPSHOT_RULE])).toEqual({ resolved: 1 });
  });

  it('a targeted run after an event snapshot evaluates only its keys and resolves only within them', async () => {
    const before = await fx.findings.findById(nameFinding('C0004'));
    const snapshotId = await fx.completeSnapshot(
      'crm',
      [{ customer_number: 'C0003', legal_name: 'Acme 3' }],
      'incremental',
    );
    const run = await fx.service.run({ trigger: 'event', target: { entity: 'customer', snapshotRunId: snapshotId } });
    expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 0 });
    expect(run.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 0 });
    expect(run.resolvedTotal).toBe(1);
    expect(await fx.findings.findById(nameFinding('C0003'))).toMatchObject({ status: 'resolved' });
    // Other keys are outside the run: untouched, not resolved.
    expect(await fx.findings.findById(nameFinding('C0004'))).toEqual(before);
    expect(await fx.findings.findById(missingFinding('C0299'))).toMatchObject({ status: 'open' });
  });

  it('a dry-run returns what a rule would find now and persists nothing', async () => {
    const historyBefore = await fx.historyRows();
    const statesBefore = await fx.findings.countByStatus();
    const preview = await fx.previews.dryRun({ ruleId: PRESENCE, limit: 5 });
    expect(preview).toMatchObject({ ruleId: PRESENCE, total: 12, byKind: { missing: 12 }, truncated: true });
    expect(preview.findings).toHaveLength(5);
    const edited = await fx.previews.dryRun({
      yaml: [
        'id: customer.draft',
        'version: 1',
        'description: draft',
        'owner: me',
        'severity: low',
        'domain: customer',
        'fix_policy: manual',
        'kind: field_match',
        'spec:',
        '  entity: customer',
        '  systems: [erp, crm]',
        '  fields:',
        '    - field: legal_name',
        '      normalize: [trim, lower, company_suffix]',
      ].join('\n'),
    });
    // With company suffixes ignored, "ACME 1 LTD" and "Acme 1" agree; only C0003 was corrected meanwhile.
    expect(edited.total).toBe(0);
    await expect(fx.previews.dryRun({ yaml: 'id: broken\nkind: nope\n' })).rejects.toThrow(/request\.yaml/);
    // 10,000 keys inlined into every source: far beyond ClickHouse's default 256 KiB query size.
    const keys = [...customers(300).map((c) => c.customer_number)];
    for (let i = keys.length; i < 10_000; i++) keys.push(`NOT-A-CUSTOMER-${String(i).padStart(8, '0')}`);
    const many = await fx.previews.dryRun({ ruleId: NAMES, keys });
    expect(many.total).toBe(4);
    expect(await fx.historyRows()).toBe(historyBefore);
    expect(await fx.findings.countByStatus()).toEqual(statesBefore);
  });

  it('a backtest runs a rule against each past set of complete full snapshots and returns hits over time', async () => {
    const historyBefore = await fx.historyRows();
    const result = await fx.previews.backtest({ ruleId: PRESENCE });
    const totals = result.points.map((p) => p.total);
    // Full CRM snapshots in order: baseline 12, fixed 11, baseline 12, the 120-row drop 180, baseline 12, 12.
    expect(totals.slice(-6)).toEqual([12, 11, 12, 180, 12, 12]);
    expect(result.points.every((p) => Object.keys(p.snapshots).sort().join() === 'crm/customer,erp/customer')).toBe(
      true,
    );
    expect(await fx.historyRows()).toBe(historyBefore);
  });
});
