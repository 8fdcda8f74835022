import { MigrationInterface, QueryRunner } from 'typeorm';

// API keys: only a sha256 of the secret part is stored; the key itself is shown once at creation.
export class ApiKeys0000000000002 implements MigrationInterface {
  name = 'ApiKeys0000000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        key_id text NOT NULL UNIQUE,
        secret_hash bytea NOT NULL,
        name text NOT NULL,
        roles text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        revoked_by text,
        last_used_at timestamptz,
        CONSTRAINT api_keys_roles_known CHECK (roles <@ ARRAY['viewer','engineer','steward','admin']::text[] AND cardinality(roles) > 0)
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX audit_log_actor_idx`);
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
