import { MigrationInterface, QueryRunner } from 'typeorm';

// TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
export class SnapshotRuns0000000000003 implements MigrationInterface {
  name = 'SnapshotRuns0000000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE snapshot_runs (
        id uuid PRIMARY KEY,
        connector_id text NOT NULL,
        entity text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('full', 'incremental')),
        trigger text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'complete', 'partial', 'failed')),
        keys jsonb,
        job_id text,
        attempt integer NOT NULL DEFAULT 1,
        replaces_run_id uuid REFERENCES snapshot_runs (id),
        since timestamptz,
        watermark timestamptz,
        cursor text,
        rows_read bigint NOT NULL DEFAULT 0,
        rows_written bigint NOT NULL DEFAULT 0,
        rejects bigint NOT NULL DEFAULT 0,
        deleted_keys bigint NOT NULL DEFAULT 0,
        total bigint,
        rows_per_s double precision,
        duration_ms bigint,
        error text,
        queued_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        heartbeat_at timestamptz,
        finished_at timestamptz,
        purged_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX snapshot_runs_latest_idx ON snapshot_runs (connector_id, entity, status, finished_at DESC)`,
    );
    await queryRunner.query(`CREATE INDEX snapshot_runs_queued_at_idx ON snapshot_runs (queued_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE snapshot_runs`);
  }
}
