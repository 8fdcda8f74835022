import { customers, ReconciliationFixture } from './support/reconciliation-fixture';

describe('reconciliation runs never overlap (Postgres advisory lock)', () => {
  let fx: ReconciliationFixture;

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('serialises three runs started at once, and each sees the same findings', async () => {
    const erp = customers(150);
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot('crm', erp.slice(0, 140));
    const runs = await Promise.all([
      fx.service.run({ trigger: 'api' }),
      fx.service.run({ trigger: 'api' }),
      fx.service.run({ trigger: 'api' }),
    ]);
    expect(runs.map((r) => r.status)).toEqual(['complete', 'complete', 'complete']);
    const rows = await fx.dataSource.query<Array<{ started_at: Date; finished_at: Date }>>(
      `SELECT started_at, finished_at FROM reconciliation_runs ORDER BY started_at`,
    );
    expect(rows).toHaveLength(3);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i].started_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1].finished_at.getTime());
    }
    // Overlapping runs would have resolved each other's findings; serialised, all ten stay open.
    const open = await fx.dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM findings WHERE status IN ('new', 'open') AND field = ''`,
    );
    expect(Number(open[0].n)).toBe(10);
  });
});
