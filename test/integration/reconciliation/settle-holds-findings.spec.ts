import { join } from 'node:path';
import { ReconciliationFixture } from './support/reconciliation-fixture';

const RULE = 'customer.settling-legal-name';
const SETTLE_MS = 8_000;

/**
 * A rule with a settle time on the lifecycle: a difference between records that changed within it
 * may still be on its way, so a run holds the finding it already has (neither sighted again nor
 * resolved) instead of resolving it and reopening it once the records have settled.
 */
describe('findings of records still settling', () => {
  let fx: ReconciliationFixture;

  beforeAll(async () => {
    fx = await ReconciliationFixture.create(join(__dirname, 'settle-rules'));
  }, 120_000);

  afterAll(async () => {
    await fx?.close();
  });

  const findings = async () => {
    const rows: { match_key: string; status: string; occurrences: number; actual_value: string }[] =
      await fx.dataSource.query(
        `SELECT match_key, status, occurrences, actual_value FROM findings WHERE rule_id = $1 ORDER BY match_key`,
        [RULE],
      );
    return Object.fromEntries(rows.map((r) => [r.match_key, [r.status, r.occurrences, r.actual_value]]));
  };

  it('holds an open finding while its records settle, resolves what agrees and reports the rest once settled', async () => {
    await fx.completeSnapshot('erp', [
      { customer_number: 'C1', legal_name: 'Acme 1' },
      { customer_number: 'C2', legal_name: 'Acme 2' },
      { customer_number: 'C3', legal_name: 'Acme 3' },
    ]);
    await fx.completeSnapshot('crm', [
      { customer_number: 'C1', legal_name: 'Acme 1 GmbH' },
      { customer_number: 'C2', legal_name: 'Acme 2 GmbH' },
      { customer_number: 'C3', legal_name: 'Acme 3' },
    ]);
    const first = await fx.service.run({ trigger: 'api', ruleIds: [RULE] });
    expect(first.ruleCounts[RULE]).toMatchObject({ status: 'ran', findings: 2, new: 2 });
    expect(await findings()).toEqual({ C1: ['new', 1, 'Acme 1 GmbH'], C2: ['new', 1, 'Acme 2 GmbH'] });

    // The CRM changes three records now: C1 still differs, C2 agrees at last, C3 differs for the first time.
    const changed = await fx.completeSnapshot(
      'crm',
      [
        { customer_number: 'C1', legal_name: 'Acme 1 AG' },
        { customer_number: 'C2', legal_name: 'Acme 2' },
        { customer_number: 'C3', legal_name: 'Acme 3 Ltd' },
      ],
      'incremental',
      { at: new Date() },
    );
    // As a change event's targeted run, then a full run, both within the settle time.
    const targeted = await fx.service.run({
      trigger: 'event',
      ruleIds: [RULE],
      target: { entity: 'customer', snapshotRunId: changed },
    });
    expect(targeted.ruleCounts[RULE]).toMatchObject({ status: 'ran', findings: 0, unsettled: 2, resolved: 1 });
    const full = await fx.service.run({ trigger: 'api', ruleIds: [RULE] });
    expect(full.ruleCounts[RULE]).toMatchObject({ status: 'ran', findings: 0, unsettled: 2 });
    expect(full.ruleCounts[RULE].resolved ?? 0).toBe(0);
    // C1 held as it was (not resolved, no sighting counted), C2 resolved, C3 not reported yet.
    expect(await findings()).toEqual({ C1: ['new', 1, 'Acme 1 GmbH'], C2: ['resolved', 1, 'Acme 2 GmbH'] });

    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 1_500));
    const settled = await fx.service.run({ trigger: 'api', ruleIds: [RULE] });
    expect(settled.ruleCounts[RULE]).toMatchObject({ status: 'ran', findings: 2, new: 1 });
    expect([settled.ruleCounts[RULE].resolved ?? 0, settled.ruleCounts[RULE].unsettled]).toEqual([0, undefined]);
    expect(await findings()).toEqual({
      C1: ['open', 2, 'Acme 1 AG'],
      C2: ['resolved', 1, 'Acme 2 GmbH'],
      C3: ['new', 1, 'Acme 3 Ltd'],
    });
  }, 120_000);

  it('holds an absence while the present record settles (a record just streamed in from one system, the other read minutes ago)', async () => {
    const presence = 'customer.settling-presence';
    const absences = async () => {
      const rows: { match_key: string; kind: string; status: string }[] = await fx.dataSource.query(
        `SELECT match_key, kind, status FROM findings WHERE rule_id = $1 ORDER BY match_key`,
        [presence],
      );
      return rows.map((r) => `${r.match_key} ${r.kind} ${r.status}`);
    };
    const before = await fx.service.run({ trigger: 'api', ruleIds: [presence] });
    expect(before.ruleCounts[presence]).toMatchObject({ status: 'ran', findings: 0 });

    await fx.completeSnapshot('erp', [{ customer_number: 'C8', legal_name: 'Acme 8' }], 'incremental', {
      at: new Date(),
    });
    const streamed = await fx.completeSnapshot(
      'crm',
      [{ customer_number: 'C9', legal_name: 'Acme 9' }],
      'incremental',
      {
        at: new Date(),
      },
    );
    const targeted = await fx.service.run({
      trigger: 'event',
      ruleIds: [presence],
      target: { entity: 'customer', snapshotRunId: streamed },
    });
    expect(targeted.ruleCounts[presence]).toMatchObject({ status: 'ran', findings: 0, unsettled: 1 });
    const full = await fx.service.run({ trigger: 'api', ruleIds: [presence] });
    expect(full.ruleCounts[presence]).toMatchObject({ status: 'ran', findings: 0, unsettled: 2 });
    expect(await absences()).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 1_500));
    const settled = await fx.service.run({ trigger: 'api', ruleIds: [presence] });
    expect(settled.ruleCounts[presence]).toMatchObject({ status: 'ran', findings: 2, new: 2 });
    expect(await absences()).toEqual(['C8 missing new', 'C9 unexpected new']);
  }, 120_000);
});
