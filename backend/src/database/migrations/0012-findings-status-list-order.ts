import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * findings_status_last_seen_idx (0005) ends in `id` ascending, but the findings list orders by
 * (last_seen_at, id) both descending (or both ascending): a page filtered by status alone could not
 * read it as one ordered range, so common statuses walked findings_last_seen_idx discarding the other
 * statuses' rows and rare ones sorted every match. Rebuilt in the list's order; same columns, so a
 * sighting writes it no more than before.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class FindingsStatusListOrder0000000000012 implements MigrationInterface {
  name = 'FindingsStatusListOrder0000000000012';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX findings_status_last_seen_idx`);
    await queryRunner.query(
      `CREATE INDEX findings_status_last_seen_idx ON findings (status, last_seen_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX findings_status_last_seen_idx`);
    await queryRunner.query(`CREATE INDEX findings_status_last_seen_idx ON findings (status, last_seen_at DESC, id)`);
  }
}
