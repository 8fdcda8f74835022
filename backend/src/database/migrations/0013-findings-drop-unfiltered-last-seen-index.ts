import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops findings_last_seen_idx (last_seen_at DESC, id DESC). Every new finding and every sighting
 * (last_seen_at moves each run) wrote it: about a tenth of a findings merge. The list without a status
 * filter now reads findings_status_last_seen_idx once per status and merges the ordered parts, as it
 * already did for a rule, severity, domain or system without a status (0011): a few rows per status.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class FindingsDropUnfilteredLastSeenIndex0000000000013 implements MigrationInterface {
  name = 'FindingsDropUnfilteredLastSeenIndex0000000000013';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX findings_last_seen_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX findings_last_seen_idx ON findings (last_seen_at DESC, id DESC)`);
  }
}
