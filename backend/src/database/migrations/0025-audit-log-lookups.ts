import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log page's filters by action and by request id. Received change events write an entry
 * each (hundreds a minute from a busy WMS), so a page of a rare action (who suppressed findings)
 * walked the time index through every event entry (3M entries: ~1 s a page), and a request id was a
 * scan of the whole log. Each is now an index range in the page's order.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class AuditLogLookups0000000000025 implements MigrationInterface {
  name = 'AuditLogLookups0000000000025';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC, id DESC)`);
    await queryRunner.query(
      `CREATE INDEX audit_log_request_idx ON audit_log (request_id, at DESC, id DESC) WHERE request_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX audit_log_request_idx`);
    await queryRunner.query(`DROP INDEX audit_log_action_idx`);
  }
}
