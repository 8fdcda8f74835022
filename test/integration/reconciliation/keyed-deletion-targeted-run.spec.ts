import { customers, ReconciliationFixture, type PreviewingFixture } from './support/reconciliation-fixture';

const NAMES = 'customer.test-legal-name';
const PRESENCE = 'customer.test-presence';

/**
 * A change event naming a deleted record: its keyed snapshot holds no row of it, yet the targeted run
 * that follows must judge that record (missing now, its differences gone) instead of waiting for the
 * next full snapshot and run.
 */
describe('a targeted run after a keyed snapshot that deleted records (real ClickHouse and Postgres)', () => {
  let fx: PreviewingFixture;

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
  }, 120_000);

  afterAll(async () => {
    await fx?.close();
  });

  const active = async () => {
    const rows: { rule_id: string; match_key: string; status: string }[] = await fx.dataSource.query(
      `SELECT rule_id, match_key, status FROM findings WHERE rule_id = ANY($1) ORDER BY rule_id, match_key`,
      [[NAMES, PRESENCE]],
    );
    return rows.map((r) => `${r.rule_id} ${r.match_key} ${r.status}`);
  };

  it('reports the deleted record missing and resolves its differences, leaving every other record alone', async () => {
    const erp = customers(10, (i) => `Acme ${i}`);
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot(
      'crm',
      erp.map((c, i) => (i < 3 ? { ...c, legal_name: `${c.legal_name} GmbH` } : c)),
    );
    const first = await fx.service.run({ trigger: 'api', ruleIds: [NAMES, PRESENCE] });
    expect(first.ruleCounts[NAMES]).toMatchObject({ findings: 3 });
    const deletedNumber = erp[1].customer_number;

    // The CRM deleted a record whose legal name differed: the event's keyed snapshot got nothing.
    const keyed = await fx.keyedDeletion('crm', [deletedNumber]);
    const targeted = await fx.service.run({
      trigger: 'event',
      ruleIds: [NAMES, PRESENCE],
      target: { entity: 'customer', snapshotRunId: keyed },
    });
    expect(targeted.status).toBe('complete');
    expect(targeted.ruleCounts[PRESENCE]).toMatchObject({ findings: 1, new: 1 });
    expect(targeted.ruleCounts[NAMES]).toMatchObject({ findings: 0, resolved: 1 });
    expect(await active()).toEqual([
      `${NAMES} ${erp[0].customer_number} new`,
      `${NAMES} ${deletedNumber} resolved`,
      `${NAMES} ${erp[2].customer_number} new`,
      `${PRESENCE} ${deletedNumber} new`,
    ]);

    // A full run agrees with the targeted one.
    const full = await fx.service.run({ trigger: 'api', ruleIds: [NAMES, PRESENCE] });
    expect(full.ruleCounts[PRESENCE]).toMatchObject({ findings: 1 });
    expect(full.ruleCounts[NAMES]).toMatchObject({ findings: 2 });
  });
});
