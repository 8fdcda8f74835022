import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Run counts for /metrics, kept exact by statement-level triggers instead of counted at every scrape:
 *  - snapshot_run_counts: snapshot runs per system, entity and status, and the rows written by the
 *    complete ones;
 *  - reconciliation_run_counts: reconciliation runs per status.
 * Each is the GROUP BY of its table's rows as they are (a deleted run is subtracted; the retention
 * pass adds what it deletes to pruned_run_totals, migration 0018, and the metrics add both). A
 * scrape counted every run: 1.0 s at 4M snapshot runs, every 15 seconds of a Prometheus scrape.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class RunCounts0000000000022 implements MigrationInterface {
  name = 'RunCounts0000000000022';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE snapshot_run_counts (
         system text NOT NULL,
         entity text NOT NULL,
         status text NOT NULL,
         runs bigint NOT NULL,
         rows bigint NOT NULL,
         PRIMARY KEY (system, entity, status)
       )`,
    );
    await queryRunner.query(`CREATE TABLE reconciliation_run_counts (status text PRIMARY KEY, runs bigint NOT NULL)`);
    // The rows of a statement's old (-1) and new (+1) versions, summed per key; in key order, so that
    // concurrent statements lock count rows in the same order. An update that moves nothing counted
    // (progress, heartbeats) sums to zero and writes nothing.
    const snapshotDelta = (rows: string) => `
      INSERT INTO snapshot_run_counts AS c (system, entity, status, runs, rows)
      SELECT connector_id, entity, status, sum(n), sum(n * CASE WHEN status = 'complete' THEN rows_written ELSE 0 END)
      FROM (${rows}) delta GROUP BY 1, 2, 3 HAVING sum(n) <> 0 OR sum(n * CASE WHEN status = 'complete' THEN rows_written ELSE 0 END) <> 0
      ORDER BY 1, 2, 3
      ON CONFLICT (system, entity, status) DO UPDATE SET runs = c.runs + excluded.runs, rows = c.rows + excluded.rows;`;
    const reconciliationDelta = (rows: string) => `
      INSERT INTO reconciliation_run_counts AS c (status, runs)
      SELECT status, sum(n) FROM (${rows}) delta GROUP BY 1 HAVING sum(n) <> 0 ORDER BY 1
      ON CONFLICT (status) DO UPDATE SET runs = c.runs + excluded.runs;`;
    const counter = (name: string, columns: string, delta: (rows: string) => string) =>
      queryRunner.query(`
        CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            ${delta(`SELECT ${columns}, 1 AS n FROM new_rows`)}
          ELSIF TG_OP = 'DELETE' THEN
            ${delta(`SELECT ${columns}, -1 AS n FROM old_rows`)}
          ELSE
            ${delta(`SELECT ${columns}, -1 AS n FROM old_rows UNION ALL SELECT ${columns}, 1 FROM new_rows`)}
          END IF;
          RETURN NULL;
        END $$`);
    await counter('snapshot_run_counts_apply', 'connector_id, entity, status, rows_written', snapshotDelta);
    await counter('reconciliation_run_counts_apply', 'status', reconciliationDelta);
    for (const [table, fn] of [
      ['snapshot_runs', 'snapshot_run_counts_apply'],
      ['reconciliation_runs', 'reconciliation_run_counts_apply'],
    ]) {
      await queryRunner.query(`CREATE TRIGGER ${table}_count_insert AFTER INSERT ON ${table}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
      await queryRunner.query(`CREATE TRIGGER ${table}_count_update AFTER UPDATE ON ${table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
      await queryRunner.query(`CREATE TRIGGER ${table}_count_delete AFTER DELETE ON ${table}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
    }
    // What exists now (the triggers count from here on; migrations run in their own transaction).
    await queryRunner.query(
      `INSERT INTO snapshot_run_counts (system, entity, status, runs, rows)
       SELECT connector_id, entity, status, count(*), coalesce(sum(rows_written) FILTER (WHERE status = 'complete'), 0)
       FROM snapshot_runs GROUP BY 1, 2, 3`,
    );
    await queryRunner.query(
      `INSERT INTO reconciliation_run_counts (status, runs) SELECT status, count(*) FROM reconciliation_runs GROUP BY 1`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['snapshot_runs', 'reconciliation_runs']) {
      for (const op of ['insert', 'update', 'delete'])
        await queryRunner.query(`DROP TRIGGER ${table}_count_${op} ON ${table}`);
    }
    await queryRunner.query(`DROP FUNCTION reconciliation_run_counts_apply()`);
    await queryRunner.query(`DROP FUNCTION snapshot_run_counts_apply()`);
    await queryRunner.query(`DROP TABLE reconciliation_run_counts`);
    await queryRunner.query(`DROP TABLE snapshot_run_counts`);
  }
}
