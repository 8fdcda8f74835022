import { customers, ReconciliationFixture } from './support/reconciliation-fixture';

const NAMES = 'customer.test-legal-name';
const PRESENCE = 'customer.test-presence';
// At least MERGE_SPLIT_MIN_FINDINGS (reconciliation.service.ts): NAMES is merged in two parts.
const RENAMED = 21_000;
const TOTAL = 22_000;

describe('a rule with many findings is merged in disjoint parts at once', () => {
  let fx: ReconciliationFixture;

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
    const erp = customers(TOTAL);
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot(
      'crm',
      erp.map((c, i) => (i < RENAMED ? { ...c, legal_name: `${c.legal_name} Renamed` } : c)),
    );
  }, 120_000);

  afterAll(async () => {
    await fx?.close();
  });

  const stored = (): Promise<{ n: number; keys: number; min: number; max: number }[]> =>
    fx.dataSource.query(
      `SELECT count(*)::int AS n, count(DISTINCT match_key)::int AS keys, min(occurrences) AS min, max(occurrences) AS max
       FROM findings WHERE rule_id = $1`,
      [NAMES],
    );

  it('holds every finding once, counts each sighting once, and a later run sees them all again', async () => {
    const run = await fx.service.run({ trigger: 'api' });
    expect(run.status).toBe('complete');
    expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: RENAMED, new: RENAMED, mergeParts: 2 });
    expect(run.ruleCounts[PRESENCE]).toMatchObject({ status: 'ran', findings: 0 });
    expect(run.ruleCounts[PRESENCE]?.mergeParts).toBeUndefined();
    expect(await stored()).toEqual([{ n: RENAMED, keys: RENAMED, min: 1, max: 1 }]);

    const again = await fx.service.run({ trigger: 'api' });
    expect(again.ruleCounts[NAMES]).toMatchObject({ findings: RENAMED, new: 0, mergeParts: 2 });
    expect(await stored()).toEqual([{ n: RENAMED, keys: RENAMED, min: 2, max: 2 }]);
    expect(await fx.findings.countByStatus([NAMES])).toEqual({ open: RENAMED });
  }, 120_000);

  it('a part Postgres rejects fails the rule (nothing of it resolved), keeps what the other part merged, and the next run completes it', async () => {
    // C0001 is fixed in the CRM: a run of the rule that completes resolves its finding.
    await fx.completeSnapshot(
      'crm',
      customers(TOTAL).map((c, i) => (i > 0 && i < RENAMED ? { ...c, legal_name: `${c.legal_name} Renamed` } : c)),
    );
    await fx.dataSource.query(`DELETE FROM findings WHERE match_key <> 'C0001'`);
    // A real constraint: the part holding C0007's finding is rolled back, the other part commits.
    await fx.dataSource.query(
      `ALTER TABLE findings ADD CONSTRAINT split_merge_test_refuses CHECK (match_key <> 'C0007') NOT VALID`,
    );
    try {
      const run = await fx.service.run({ trigger: 'api' });
      expect(run.status).toBe('failed');
      expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'failed' });
      expect(run.ruleCounts[NAMES]?.reason).toContain('split_merge_test_refuses');
      const [{ n }] = await stored();
      // C0001 and roughly half of the rest (the part that committed), never C0007.
      expect(n).toBeGreaterThan(RENAMED * 0.4);
      expect(n).toBeLessThan(RENAMED * 0.6);
      expect(await fx.dataSource.query(`SELECT 1 FROM findings WHERE match_key = 'C0007'`)).toEqual([]);
      expect(await fx.dataSource.query(`SELECT status FROM findings WHERE match_key = 'C0001'`)).toEqual([
        { status: 'open' },
      ]);
    } finally {
      await fx.dataSource.query(`ALTER TABLE findings DROP CONSTRAINT split_merge_test_refuses`);
    }
    const [{ n: before }] = await stored();
    const next = await fx.service.run({ trigger: 'api' });
    expect(next.status).toBe('complete');
    expect(next.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: RENAMED - 1, new: RENAMED - before });
    expect(await fx.findings.countByStatus([NAMES])).toEqual({ open: before - 1, new: RENAMED - before, resolved: 1 });
    expect(await fx.dataSource.query(`SELECT status FROM findings WHERE match_key = 'C0001'`)).toEqual([
      { status: 'resolved' },
    ]);
  }, 120_000);
});
