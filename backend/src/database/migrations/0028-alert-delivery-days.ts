import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The alerts page's deliveries per day read a range of `created_at` (and retention prunes by it):
 * without this index each was a scan of every delivery kept.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class AlertDeliveryDays0000000000028 implements MigrationInterface {
  name = 'AlertDeliveryDays0000000000028';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX alert_deliveries_created_idx ON alert_deliveries (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX alert_deliveries_created_idx`);
  }
}
