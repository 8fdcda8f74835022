import { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts0000000000004 implements MigrationInterface {
  name = 'Alerts0000000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE alert_states (
        alert_key text PRIMARY KEY,
        alert_rule_id text NOT NULL,
        rule_id text NOT NULL,
        channel text NOT NULL,
        status text NOT NULL CHECK (status IN ('firing', 'resolved')),
        fingerprint text NOT NULL,
        message_channel text,
        message_ts text,
        first_fired_at timestamptz NOT NULL,
        last_notified_at timestamptz,
        resolved_at timestamptz,
        acknowledged_by text,
        acknowledged_at timestamptz,
        escalated_at timestamptz,
        snoozed_until timestamptz,
        last_message jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE alert_deliveries (
        id bigserial PRIMARY KEY,
        alert_key text NOT NULL,
        run_id text,
        action text NOT NULL,
        channel text NOT NULL,
        status text NOT NULL CHECK (status IN ('sent', 'failed', 'held')),
        detail text,
        message_ts text,
        attempts integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX alert_deliveries_alert_idx ON alert_deliveries (alert_key, created_at DESC)`);
    await queryRunner.query(
      `CREATE INDEX alert_deliveries_failed_idx ON alert_deliveries (created_at DESC) WHERE status = 'failed'`,
    );
    await queryRunner.query(`
      CREATE TABLE alert_silences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        rule_id text,
        domain text,
        reason text NOT NULL,
        created_by text NOT NULL,
        starts_at timestamptz NOT NULL DEFAULT now(),
        ends_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE alert_silences`);
    await queryRunner.query(`DROP TABLE alert_deliveries`);
    await queryRunner.query(`DROP TABLE alert_states`);
  }
}
