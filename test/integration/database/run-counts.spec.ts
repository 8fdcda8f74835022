/**
 * The run counts /metrics reads (migration 0022) against a real Postgres: after the migration's
 * backfill and after every kind of write a run gets (created, started, progress, finished, rows
 * corrected, deleted, several rows in one statement), each count table equals the GROUP BY of its
 * runs table as it is.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { migratedPostgres } from '../support/test-services';

describe('snapshot and reconciliation run counts kept by triggers', () => {
  let db: Awaited<ReturnType<typeof migratedPostgres>>;
  let dataSource: DataSource;

  const snapshotRun = (connector: string, status: string, rows = 0, entity = 'customer') =>
    dataSource.query<unknown>(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, rows_written)
       VALUES ($1, $2, $3, 'full', 'schedule', $4, $5)`,
      [randomUUID(), connector, entity, status, rows],
    );
  const reconciliationRun = (status: string) =>
    dataSource.query<unknown>(
      `INSERT INTO reconciliation_runs (id, trigger, status, scope) VALUES ($1, 'schedule', $2, '{}')`,
      [randomUUID(), status],
    );
  const snapshotCounts = () =>
    dataSource.query<unknown[]>(
      `SELECT system, entity, status, runs::int, rows::int FROM snapshot_run_counts WHERE runs <> 0 OR rows <> 0
       ORDER BY 1, 2, 3`,
    );
  const snapshotTruth = () =>
    dataSource.query<unknown[]>(
      `SELECT connector_id AS system, entity, status, count(*)::int AS runs,
         coalesce(sum(rows_written) FILTER (WHERE status = 'complete'), 0)::int AS rows
       FROM snapshot_runs GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
  const reconciliationCounts = () =>
    dataSource.query<unknown[]>(`SELECT status, runs::int FROM reconciliation_run_counts WHERE runs <> 0 ORDER BY 1`);
  const reconciliationTruth = () =>
    dataSource.query<unknown[]>(`SELECT status, count(*)::int AS runs FROM reconciliation_runs GROUP BY 1 ORDER BY 1`);
  const expectExact = async () => {
    expect(await snapshotCounts()).toEqual(await snapshotTruth());
    expect(await reconciliationCounts()).toEqual(await reconciliationTruth());
  };

  beforeAll(async () => {
    db = await migratedPostgres();
    ({ dataSource } = db);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('counts the runs that existed before the migration', async () => {
    // Back to before 0022, undoing any later migration first.
    const applied = async () =>
      (
        await dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM migrations WHERE name = 'RunCounts0000000000022'`,
        )
      )[0].n;
    while ((await applied()) > 0) await dataSource.undoLastMigration({ transaction: 'each' });
    await snapshotRun('erp', 'complete', 100);
    await snapshotRun('erp', 'complete', 50);
    await snapshotRun('crm', 'failed', 7);
    await reconciliationRun('complete');
    await reconciliationRun('running');
    await dataSource.runMigrations({ transaction: 'each' });
    await expectExact();
    expect(await snapshotCounts()).toContainEqual({
      system: 'erp',
      entity: 'customer',
      status: 'complete',
      runs: 2,
      rows: 150,
    });
  });

  it('stays exact through every kind of write', async () => {
    await snapshotRun('wms', 'queued', 0, 'shipment');
    await expectExact();
    await dataSource.query(`UPDATE snapshot_runs SET status = 'running' WHERE connector_id = 'wms'`);
    await dataSource.query(`UPDATE snapshot_runs SET rows_read = 40, rows_written = 40 WHERE connector_id = 'wms'`);
    await expectExact();
    await dataSource.query(
      `UPDATE snapshot_runs SET status = 'complete', rows_written = 42 WHERE connector_id = 'wms'`,
    );
    await expectExact();
    // A complete run's rows corrected, a run purged, several runs at once, then deleted.
    await dataSource.query(`UPDATE snapshot_runs SET rows_written = rows_written + 1 WHERE connector_id = 'erp'`);
    await dataSource.query(`UPDATE snapshot_runs SET purged_at = now() WHERE connector_id = 'crm'`);
    await expectExact();
    await dataSource.query(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, rows_written)
       SELECT gen_random_uuid(), 'erp', 'order', 'incremental', 'event', 'complete', i FROM generate_series(1, 50) i`,
    );
    await expectExact();
    await dataSource.query(
      `DELETE FROM snapshot_runs WHERE connector_id = 'erp' AND entity = 'order' AND rows_written > 20`,
    );
    await expectExact();
    await reconciliationRun('running');
    await dataSource.query(`UPDATE reconciliation_runs SET status = 'complete' WHERE status = 'running'`);
    await reconciliationRun('failed');
    await dataSource.query(`DELETE FROM reconciliation_runs WHERE status = 'failed'`);
    await expectExact();
    expect(await reconciliationCounts()).toEqual([{ status: 'complete', runs: 3 }]);
  });
});
