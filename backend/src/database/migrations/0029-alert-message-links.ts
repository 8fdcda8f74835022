import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each alert's Slack message link (chat.getPermalink when it was posted), so the alerts page can open
 * the message and its thread. TypeORM orders migrations by the last 13 digits of the class name: keep
 * them the file's number.
 */
export class AlertMessageLinks0000000000029 implements MigrationInterface {
  name = 'AlertMessageLinks0000000000029';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE alert_states ADD COLUMN message_url text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE alert_states DROP COLUMN message_url`);
  }
}
