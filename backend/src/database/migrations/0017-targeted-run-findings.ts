import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The findings each targeted run saw (`targeted_run_findings`), written by its merge. Migration 0016
 * dropped the index on findings.last_run_id (every sighting writes that column, and an index on it
 * made every sighting a non-HOT update), so "the findings run X saw" is a walk of every finding; fine
 * for a full run (nearly every active finding), not for a targeted one that saw a handful. Fix-up
 * planning and stewardship intake read a targeted run's findings through this table instead. Rows
 * older than a week are deleted by later targeted merges (`recorded_at` index).
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class TargetedRunFindings0000000000017 implements MigrationInterface {
  name = 'TargetedRunFindings0000000000017';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE targeted_run_findings (
         run_id uuid NOT NULL,
         finding_id text COLLATE "C" NOT NULL,
         recorded_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (run_id, finding_id)
       )`,
    );
    await queryRunner.query(`CREATE INDEX targeted_run_findings_recorded_idx ON targeted_run_findings (recorded_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE targeted_run_findings`);
  }
}
