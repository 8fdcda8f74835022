import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The last run that held an active finding instead of judging it: the rule has a settle time and the
 * finding's records changed within it, so the run could not tell drift from a change on its way. Such
 * a run neither sights nor resolves the finding. Nullable without a default (no table rewrite) and in
 * no index, so writing it keeps the row's update HOT (migration 0016).
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class FindingUnsettledRun0000000000027 implements MigrationInterface {
  name = 'FindingUnsettledRun0000000000027';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE findings ADD COLUMN unsettled_run_id uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE findings DROP COLUMN unsettled_run_id`);
  }
}
