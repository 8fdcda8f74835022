import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's sighting of a known finding becomes a HOT update: no index holds a column that a plain
 * sighting writes (last_seen_at, last_run_id, occurrences, values), so Postgres rewrites the row on
 * its own page and touches no index. Before, 8 of the 12 indexes held last_seen_at or last_run_id and
 * every re-sighted finding inserted into all 12 (~50-75 µs a row; on a copy of 395,000 findings,
 * ~12 µs HOT at fillfactor 50; see docs/architecture.md).
 *
 * - `status_changed_at`: when the status last changed. The list's indexes end in it instead of
 *   last_seen_at, and it is the list's default order (newest change first: a run's new and reopened
 *   findings on top). A BEFORE UPDATE trigger sets it whenever the status changes and the statement did
 *   not set it itself; its WHEN clause is checked without calling the function, so a sighting that
 *   keeps the status costs nothing more. Backfilled from what the row already knows.
 * - The list's run filter (last_run_id) loses its index; a page of one run's findings walks the list's
 *   order instead (fast for the latest run, whose findings are the active ones).
 * - fillfactor 60 leaves room on each page for the next version of its rows (new pages only; existing
 *   pages get room as their old versions are pruned).
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
const LIST_INDEXES: [old: string, fresh: string, lead: string, where?: string][] = [
  ['findings_last_seen_idx', 'findings_status_changed_idx', ''],
  ['findings_status_last_seen_idx', 'findings_status_status_changed_idx', 'status, '],
  ['findings_rule_last_seen_idx', 'findings_rule_status_changed_idx', 'rule_id, status, '],
  ['findings_severity_last_seen_idx', 'findings_severity_status_changed_idx', 'severity, status, '],
  ['findings_domain_last_seen_idx', 'findings_domain_status_changed_idx', 'domain, status, '],
  ['findings_system_last_seen_idx', 'findings_system_status_changed_idx', 'actual_system, status, '],
  [
    'findings_assignee_last_seen_idx',
    'findings_assignee_status_changed_idx',
    'assignee, ',
    'WHERE assignee IS NOT NULL',
  ],
];

export class FindingsHotSightings0000000000016 implements MigrationInterface {
  name = 'FindingsHotSightings0000000000016';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [old] of LIST_INDEXES) await queryRunner.query(`DROP INDEX ${old}`);
    await queryRunner.query(`DROP INDEX findings_last_run_last_seen_idx`);
    await queryRunner.query(`ALTER TABLE findings ADD COLUMN status_changed_at timestamptz`);
    // The backfill changes nothing the dashboard rollups count (migration 0010's guard).
    await queryRunner.query(`SET LOCAL driftwatch.findings_rollup_neutral = 'on'`);
    await queryRunner.query(
      `UPDATE findings SET status_changed_at = CASE
         WHEN status = 'new' THEN first_seen_at
         WHEN status = 'resolved' THEN coalesce(resolved_at, updated_at)
         WHEN status = 'suppressed' THEN coalesce(suppressed_at, updated_at)
         WHEN status = 'reopened' THEN last_seen_at
         WHEN status = 'open' AND occurrences <= 2 THEN last_seen_at
         ELSE first_seen_at END`,
    );
    await queryRunner.query(`SET LOCAL driftwatch.findings_rollup_neutral = 'off'`);
    await queryRunner.query(
      `ALTER TABLE findings ALTER COLUMN status_changed_at SET DEFAULT now(),
         ALTER COLUMN status_changed_at SET NOT NULL`,
    );
    await queryRunner.query(
      `CREATE FUNCTION findings_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         NEW.status_changed_at := now();
         RETURN NEW;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER findings_status_changed BEFORE UPDATE OF status ON findings FOR EACH ROW
       WHEN (OLD.status IS DISTINCT FROM NEW.status
         AND OLD.status_changed_at IS NOT DISTINCT FROM NEW.status_changed_at)
       EXECUTE FUNCTION findings_status_changed()`,
    );
    for (const [, fresh, lead, where] of LIST_INDEXES) {
      await queryRunner.query(
        `CREATE INDEX ${fresh} ON findings (${lead}status_changed_at DESC, id DESC) ${where ?? ''}`,
      );
    }
    await queryRunner.query(`ALTER TABLE findings SET (fillfactor = 60)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE findings RESET (fillfactor)`);
    for (const [, fresh] of LIST_INDEXES) await queryRunner.query(`DROP INDEX ${fresh}`);
    await queryRunner.query(`DROP TRIGGER findings_status_changed ON findings`);
    await queryRunner.query(`DROP FUNCTION findings_status_changed()`);
    await queryRunner.query(`ALTER TABLE findings DROP COLUMN status_changed_at`);
    for (const [old, , lead, where] of LIST_INDEXES) {
      await queryRunner.query(`CREATE INDEX ${old} ON findings (${lead}last_seen_at DESC, id DESC) ${where ?? ''}`);
    }
    await queryRunner.query(
      `CREATE INDEX findings_last_run_last_seen_idx ON findings (last_run_id, last_seen_at DESC, id DESC)`,
    );
  }
}
