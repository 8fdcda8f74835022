import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two more reads of `snapshot_runs` that scanned every run (event-triggered snapshots add tens of
 * thousands a day; figures at 4M runs):
 *  - the run of a snapshot job, which a redelivered change event answers with: 630-680 ms -> <1 ms;
 *  - the failed and partial runs of a pair whose ClickHouse rows are not purged yet, read at every
 *    snapshot start: a bitmap scan of every failed run ever (190 ms) -> a few entries, since a purge
 *    takes a run out of this partial index.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class SnapshotRunLookups0000000000024 implements MigrationInterface {
  name = 'SnapshotRunLookups0000000000024';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX snapshot_runs_job_idx ON snapshot_runs (job_id, queued_at DESC) WHERE job_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX snapshot_runs_unpurged_idx ON snapshot_runs (connector_id, entity)
         WHERE status IN ('failed', 'partial') AND purged_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX snapshot_runs_unpurged_idx`);
    await queryRunner.query(`DROP INDEX snapshot_runs_job_idx`);
  }
}
