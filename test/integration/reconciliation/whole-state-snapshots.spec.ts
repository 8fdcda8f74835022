import { sql } from '../../../backend/src/clickhouse/sql';
import { ReconciliationStoreRepository } from '../../../backend/src/modules/reconciliation/reconciliation-store.repository';
import { customers, ReconciliationFixture, type Customer } from './support/reconciliation-fixture';

const PRESENCE = 'customer.test-presence';
const NAMES = 'customer.test-legal-name';

// ERP holds 200 customers; the CRM lacks the last 4 and spells the first 3 legal names differently.
const erp = customers(200);
const crm: Customer[] = erp.slice(0, 196).map((c, i) => (i < 3 ? { ...c, legal_name: `${c.legal_name} Holdings` } : c));

describe('full runs read a whole-state snapshot instead of merging the current state (real ClickHouse)', () => {
  let fx: ReconciliationFixture;
  let store: ReconciliationStoreRepository;

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
    store = new ReconciliationStoreRepository(fx.clickhouse);
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  const whole = async () =>
    Object.fromEntries((await store.wholeStateSnapshots()).map((s) => [`${s.system}/${s.entity}`, s.snapshotId]));

  it('the latest full snapshot that holds each record once is the state a run reads', async () => {
    const erpId = await fx.completeSnapshot('erp', erp);
    const crmId = await fx.completeSnapshot('crm', crm);
    expect(await whole()).toEqual({ 'erp/customer': erpId, 'crm/customer': crmId });
    const run = await fx.service.run({ trigger: 'api', ruleIds: [PRESENCE, NAMES] });
    expect(run.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 4 });
    expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 3 });
  });

  it('a snapshot in which the source paged a record twice is not whole: the run merges the current state', async () => {
    // C0001 twice, spelled two wrong ways: the current state keeps one version of it.
    const paged: Customer[] = [...crm, { customer_number: 'C0001', legal_name: 'Acme 1 Group' }];
    await fx.completeSnapshot('crm', paged);
    expect(Object.keys(await whole())).toEqual(['erp/customer']);
    const run = await fx.service.run({ trigger: 'api', ruleIds: [PRESENCE, NAMES] });
    expect(run.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 4 });
    // Read from the snapshot, ERP's C0001 would pair with both rows (two findings); merged, it is one record.
    const rows = await fx.clickhouse.query<{ n: string }>(
      sql`SELECT count() AS n FROM findings_history
        WHERE run_id = ${run.runId} AND rule_id = ${NAMES} AND match_key = 'C0001'`,
      { tag: 'test.whole.paged' },
    );
    expect(Number(rows[0]?.n)).toBe(1);
  });

  it('after an incremental snapshot the system is read from the current state, with the change', async () => {
    await fx.completeSnapshot('crm', crm);
    expect(Object.keys(await whole()).sort()).toEqual(['crm/customer', 'erp/customer']);
    // The CRM fixes two of the three names in an incremental snapshot.
    await fx.completeSnapshot(
      'crm',
      erp.slice(0, 2).map((c) => ({ ...c })),
      'incremental',
    );
    expect(Object.keys(await whole())).toEqual(['erp/customer']);
    const run = await fx.service.run({ trigger: 'api', ruleIds: [PRESENCE, NAMES] });
    expect(run.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 4 });
    expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 1 });
  });
});
