import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who suppressed a finding, why, when, and until when (`suppressed_until` NULL: until someone lifts
 * it). Set while a finding is `suppressed` and cleared when it is lifted; the audit log keeps the
 * history. No check ties the columns to the status: the status predates them (0005), so suppressed
 * rows from before this migration have none of them.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class FindingSuppression0000000000014 implements MigrationInterface {
  name = 'FindingSuppression0000000000014';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE findings ADD COLUMN suppressed_by text, ADD COLUMN suppressed_reason text,
         ADD COLUMN suppressed_at timestamptz, ADD COLUMN suppressed_until timestamptz`,
    );
    await queryRunner.query(
      `ALTER TABLE findings ADD CONSTRAINT findings_suppressed_reason_check
         CHECK (suppressed_reason IS NULL OR length(suppressed_reason) BETWEEN 1 AND 500)`,
    );
    // Each run lifts the suppressions that expired: a handful of rows, found without reading the rest.
    await queryRunner.query(
      `CREATE INDEX findings_suppressed_until_idx ON findings (suppressed_until)
         WHERE status = 'suppressed' AND suppressed_until IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX findings_suppressed_until_idx`);
    await queryRunner.query(`ALTER TABLE findings DROP CONSTRAINT findings_suppressed_reason_check`);
    await queryRunner.query(
      `ALTER TABLE findings DROP COLUMN suppressed_until, DROP COLUMN suppressed_at,
         DROP COLUMN suppressed_reason, DROP COLUMN suppressed_by`,
    );
  }
}
