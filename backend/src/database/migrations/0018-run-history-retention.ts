import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets the retention pass delete old run history from Postgres (modules/retention):
 *  - a run that replaced a deleted run keeps its row: `replaces_run_id` becomes null instead of
 *    refusing the delete;
 *  - `pruned_run_totals` keeps what deleted runs counted, so the metrics' run totals
 *    (`driftwatch_snapshot_runs_total`, `_snapshot_rows_total`, `_reconciliation_runs_total`) never go
 *    down (a counter that drops reads as a reset, and a rate as a spike).
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class RunHistoryRetention0000000000018 implements MigrationInterface {
  name = 'RunHistoryRetention0000000000018';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE snapshot_runs DROP CONSTRAINT snapshot_runs_replaces_run_id_fkey,
         ADD CONSTRAINT snapshot_runs_replaces_run_id_fkey FOREIGN KEY (replaces_run_id)
           REFERENCES snapshot_runs (id) ON DELETE SET NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE pruned_run_totals (
         kind text NOT NULL CHECK (kind IN ('snapshot', 'reconciliation')),
         system text NOT NULL DEFAULT '',
         entity text NOT NULL DEFAULT '',
         status text NOT NULL,
         runs bigint NOT NULL,
         rows bigint NOT NULL DEFAULT 0,
         PRIMARY KEY (kind, system, entity, status)
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pruned_run_totals`);
    await queryRunner.query(
      `ALTER TABLE snapshot_runs DROP CONSTRAINT snapshot_runs_replaces_run_id_fkey,
         ADD CONSTRAINT snapshot_runs_replaces_run_id_fkey FOREIGN KEY (replaces_run_id) REFERENCES snapshot_runs (id)`,
    );
  }
}
