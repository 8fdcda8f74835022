import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes on `snapshot_runs`, which event-triggered snapshots fill by the tens of thousands a day:
 *  - the latest finished snapshot run that covered the whole entity (not a targeted one), per system
 *    and entity, in its order: each reconciliation run's flood guard asks for it (one probe per pair,
 *    see snapshot-run-pairs.ts; a DISTINCT ON read every run, 6.9 s at 4M runs);
 *  - `replaces_run_id`: deleting a run (the retention pass, migration 0018) makes Postgres look for the
 *    runs that name it as replaced, and without an index that is a scan of the table per deleted row.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class SnapshotRunIndexes0000000000020 implements MigrationInterface {
  name = 'SnapshotRunIndexes0000000000020';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX snapshot_runs_full_scope_finished_idx
         ON snapshot_runs (connector_id, entity, finished_at DESC NULLS LAST, queued_at DESC)
         WHERE status IN ('complete', 'partial', 'failed') AND keys IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX snapshot_runs_replaces_idx ON snapshot_runs (replaces_run_id) WHERE replaces_run_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX snapshot_runs_replaces_idx`);
    await queryRunner.query(`DROP INDEX snapshot_runs_full_scope_finished_idx`);
  }
}
