import { MigrationInterface, QueryRunner } from 'typeorm';

// TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
export class AuditLog0000000000001 implements MigrationInterface {
  name = 'AuditLog0000000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text,
        before jsonb,
        after jsonb,
        request_id text
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_at_idx ON audit_log (at DESC)`);
    await queryRunner.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_log`);
  }
}
