import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `retired`: a finding that a new version of its rule no longer sees. Until now such findings were
 * `resolved`, and a rule change read as a wave of healed drift (customer.duplicates v3 "resolved" ~1,000
 * findings on the demo, every one counted by the overview's resolutions and auto-heal rate). The rollup
 * triggers of 0008 count any move out of the active set that is not `resolved` as `exited`, so they need
 * no change. Down turns retired findings back into resolved ones.
 */
export class FindingsRetiredStatus0000000000013 implements MigrationInterface {
  name = 'FindingsRetiredStatus0000000000013';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE findings DROP CONSTRAINT findings_status_check`);
    await queryRunner.query(
      `ALTER TABLE findings ADD CONSTRAINT findings_status_check
         CHECK (status IN ('new', 'open', 'resolved', 'reopened', 'suppressed', 'retired'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE findings SET status = 'resolved', resolved_at = updated_at WHERE status = 'retired'`,
    );
    await queryRunner.query(`ALTER TABLE findings DROP CONSTRAINT findings_status_check`);
    await queryRunner.query(
      `ALTER TABLE findings ADD CONSTRAINT findings_status_check
         CHECK (status IN ('new', 'open', 'resolved', 'reopened', 'suppressed'))`,
    );
  }
}
