import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The full (not event-targeted) reconciliation runs in start order, for the fix-up planner's spike
 * guard, which compares a full run only with earlier full runs. Event-triggered runs outnumber them
 * by far (one per change event batch), so a rule's full-run history walked the start-time index
 * through every targeted run. The predicate is the one `RUN_IS_TARGETED` (findings/seen-by-run.ts)
 * negates, spelled out here so that this migration never changes.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class FullRunHistory0000000000026 implements MigrationInterface {
  name = 'FullRunHistory0000000000026';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX reconciliation_runs_full_started_idx ON reconciliation_runs (started_at DESC)
       WHERE NOT coalesce(jsonb_typeof(scope -> 'target') = 'object', false)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX reconciliation_runs_full_started_idx`);
  }
}
