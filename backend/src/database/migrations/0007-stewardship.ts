import { MigrationInterface, QueryRunner } from 'typeorm';

// TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
export class Stewardship0000000000007 implements MigrationInterface {
  name = 'Stewardship0000000000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One item per source (a finding, a fix-up task): re-creating from the same source is a no-op.
    await queryRunner.query(`
      CREATE TABLE stewardship_items (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('duplicate', 'unmatched_identity', 'validation_failure', 'conflict')),
        source_type text NOT NULL CHECK (source_type IN ('finding', 'fixup_task', 'manual')),
        source_id text NOT NULL,
        rule_id text,
        entity text NOT NULL,
        system text NOT NULL,
        subject_key text NOT NULL,
        candidates jsonb NOT NULL DEFAULT '[]'::jsonb,
        suggestion jsonb,
        score double precision NOT NULL DEFAULT 1,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        state text NOT NULL CHECK (state IN ('open', 'decided', 'dismissed')),
        assignee text,
        decision jsonb,
        decided_by text,
        decided_at timestamptz,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (source_type, source_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX stewardship_items_state_idx ON stewardship_items (state, created_at DESC, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX stewardship_items_subject_idx ON stewardship_items (entity, system, subject_key)`,
    );
    await queryRunner.query(`
      CREATE TABLE stewardship_item_events (
        id bigserial PRIMARY KEY,
        item_id uuid NOT NULL REFERENCES stewardship_items (id),
        action text NOT NULL,
        from_state text,
        to_state text NOT NULL,
        actor text NOT NULL,
        reason text,
        payload jsonb,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX stewardship_item_events_item_idx ON stewardship_item_events (item_id, id)`);
    // Identity link decisions between two records of one entity in two systems; (a) < (b) so a pair has one row.
    await queryRunner.query(`
      CREATE TABLE identity_links (
        id uuid PRIMARY KEY,
        entity text NOT NULL,
        system_a text NOT NULL,
        key_a text NOT NULL,
        system_b text NOT NULL,
        key_b text NOT NULL,
        status text NOT NULL CHECK (status IN ('confirmed', 'rejected')),
        global_id text NOT NULL,
        item_id uuid REFERENCES stewardship_items (id),
        decided_by text NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((system_a, key_a) < (system_b, key_b)),
        UNIQUE (entity, system_a, key_a, system_b, key_b)
      )`);
    await queryRunner.query(`CREATE INDEX identity_links_b_idx ON identity_links (entity, system_b, key_b)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_links`);
    await queryRunner.query(`DROP TABLE stewardship_item_events`);
    await queryRunner.query(`DROP TABLE stewardship_items`);
  }
}
