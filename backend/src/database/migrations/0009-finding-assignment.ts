import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who is working on a finding (`assignee`, `assigned_at`; NULL = unassigned), and the indexes the
 * exceptions list needs when it is filtered without a status: 0008's indexes start with
 * (column, status, …), so a filter on a rule, system, severity, domain or run alone walked
 * findings_last_seen_idx and dropped non-matching rows — seconds for a rule or system whose findings
 * are all old. Each index here is the filter followed by the list's sort (last_seen_at, id).
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class FindingAssignment0000000000009 implements MigrationInterface {
  name = 'FindingAssignment0000000000009';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE findings ADD COLUMN assignee text, ADD COLUMN assigned_at timestamptz`);
    await queryRunner.query(
      `ALTER TABLE findings ADD CONSTRAINT findings_assignee_check CHECK (assignee IS NULL OR length(assignee) BETWEEN 1 AND 120)`,
    );
    // Only assigned findings: "unassigned" (most rows) is served by findings_last_seen_idx.
    await queryRunner.query(
      `CREATE INDEX findings_assignee_last_seen_idx ON findings (assignee, last_seen_at DESC, id DESC) WHERE assignee IS NOT NULL`,
    );
    for (const [name, column] of [
      ['findings_rule_only_last_seen_idx', 'rule_id'],
      ['findings_system_only_last_seen_idx', 'actual_system'],
      ['findings_severity_only_last_seen_idx', 'severity'],
      ['findings_domain_only_last_seen_idx', 'domain'],
      ['findings_last_run_last_seen_idx', 'last_run_id'],
    ]) {
      await queryRunner.query(`CREATE INDEX ${name} ON findings (${column}, last_seen_at DESC, id DESC)`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of [
      'findings_last_run_last_seen_idx',
      'findings_domain_only_last_seen_idx',
      'findings_severity_only_last_seen_idx',
      'findings_system_only_last_seen_idx',
      'findings_rule_only_last_seen_idx',
      'findings_assignee_last_seen_idx',
    ]) {
      await queryRunner.query(`DROP INDEX ${index}`);
    }
    await queryRunner.query(`ALTER TABLE findings DROP CONSTRAINT findings_assignee_check`);
    await queryRunner.query(`ALTER TABLE findings DROP COLUMN assigned_at, DROP COLUMN assignee`);
  }
}
