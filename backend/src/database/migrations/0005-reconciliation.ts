import { MigrationInterface, QueryRunner } from 'typeorm';

// TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
export class Reconciliation0000000000005 implements MigrationInterface {
  name = 'Reconciliation0000000000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE reconciliation_runs (
        id uuid PRIMARY KEY,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'snapshot', 'api', 'event')),
        status text NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
        scope jsonb NOT NULL,
        snapshots jsonb NOT NULL DEFAULT '{}'::jsonb,
        rule_versions jsonb NOT NULL DEFAULT '{}'::jsonb,
        rule_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        held jsonb NOT NULL DEFAULT '[]'::jsonb,
        skipped jsonb NOT NULL DEFAULT '[]'::jsonb,
        findings_total bigint NOT NULL DEFAULT 0,
        resolved_total bigint NOT NULL DEFAULT 0,
        job_id text,
        error text,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        duration_ms bigint
      )`);
    await queryRunner.query(`CREATE INDEX reconciliation_runs_started_idx ON reconciliation_runs (started_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE findings (
        id text PRIMARY KEY,
        rule_id text NOT NULL,
        rule_version integer NOT NULL,
        entity text NOT NULL,
        match_key text NOT NULL,
        field text NOT NULL,
        kind text NOT NULL,
        owner_system text NOT NULL,
        expected_value text NOT NULL,
        actual_system text NOT NULL,
        actual_value text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        score double precision NOT NULL DEFAULT 1,
        severity text NOT NULL,
        domain text NOT NULL,
        status text NOT NULL CHECK (status IN ('new', 'open', 'resolved', 'reopened', 'suppressed')),
        occurrences integer NOT NULL DEFAULT 1,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        resolved_at timestamptz,
        first_run_id uuid NOT NULL,
        last_run_id uuid NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX findings_rule_status_idx ON findings (rule_id, status)`);
    await queryRunner.query(`CREATE INDEX findings_status_last_seen_idx ON findings (status, last_seen_at DESC, id)`);
    await queryRunner.query(`CREATE INDEX findings_subject_idx ON findings (entity, match_key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE findings`);
    await queryRunner.query(`DROP TABLE reconciliation_runs`);
  }
}
