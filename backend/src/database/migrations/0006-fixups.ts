import { MigrationInterface, QueryRunner } from 'typeorm';

// TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
export class Fixups0000000000006 implements MigrationInterface {
  name = 'Fixups0000000000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE fix_tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        finding_id text NOT NULL REFERENCES findings (id),
        rule_id text NOT NULL,
        rule_kind text NOT NULL,
        finding_kind text NOT NULL,
        entity text NOT NULL,
        match_key text NOT NULL,
        target_system text NOT NULL,
        source_key text NOT NULL,
        changes jsonb NOT NULL DEFAULT '[]'::jsonb,
        policy text NOT NULL CHECK (policy IN ('auto', 'approval', 'manual')),
        state text NOT NULL CHECK (state IN ('proposed', 'approved', 'queued', 'applying', 'verifying', 'done',
          'conflict', 'failed', 'dead_lettered', 'needs_review', 'dismissed')),
        state_reason text,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        base_key text NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        job_generation integer NOT NULL DEFAULT 0,
        claimed_by text,
        claim_expires_at timestamptz,
        auto_approved_at timestamptz,
        created_run_id uuid NOT NULL,
        resolved_run_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        applied_at timestamptz,
        finished_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX fix_tasks_state_idx ON fix_tasks (state, created_at DESC, id)`);
    await queryRunner.query(`CREATE INDEX fix_tasks_finding_idx ON fix_tasks (finding_id)`);
    await queryRunner.query(`CREATE INDEX fix_tasks_base_key_idx ON fix_tasks (base_key)`);
    await queryRunner.query(`CREATE INDEX fix_tasks_target_state_idx ON fix_tasks (target_system, state)`);
    await queryRunner.query(`CREATE INDEX fix_tasks_rule_state_idx ON fix_tasks (rule_id, state)`);
    await queryRunner.query(
      `CREATE INDEX fix_tasks_auto_hour_idx ON fix_tasks (target_system, auto_approved_at) WHERE auto_approved_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX fix_tasks_unresolved_idx ON fix_tasks (finding_id) WHERE resolved_run_id IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE fix_task_events (
        id bigserial PRIMARY KEY,
        task_id uuid NOT NULL REFERENCES fix_tasks (id) ON DELETE CASCADE,
        from_state text,
        to_state text NOT NULL,
        actor text NOT NULL,
        reason text,
        details jsonb,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX fix_task_events_task_idx ON fix_task_events (task_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE fix_task_events`);
    await queryRunner.query(`DROP TABLE fix_tasks`);
  }
}
