import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dashboard rollups of `findings`, kept exact by statement-level triggers (transition tables), so the
 * overview and trends read a few hundred rollup rows instead of grouping millions of findings, and
 * stay right whoever changes a finding (runs, fix-ups, stewardship, an operator's SQL):
 *  - findings_open_counts: active findings (new/open/reopened) per rule × entity × system × kind ×
 *    severity × domain.
 *  - findings_daily_flow: per UTC day and the same dimensions, findings opened (first_seen_at),
 *    reopened (last_seen_at of the run that saw it again), resolved (resolved_at, with the seconds
 *    from first_seen_at for the mean time to resolve), and other exits/returns of the active set
 *    (suppressed, unsuppressed, deleted; at updated_at). Open at the end of day D is the open count
 *    now minus the net change of every later day.
 * Plus indexes for the exceptions list's usual filters, each ending in the list's sort (last_seen_at, id).
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class DashboardRollups0000000000008 implements MigrationInterface {
  name = 'DashboardRollups0000000000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE findings_open_counts (
        rule_id text NOT NULL,
        entity text NOT NULL,
        actual_system text NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL,
        domain text NOT NULL,
        open bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (rule_id, entity, actual_system, kind, severity, domain)
      )`);
    await queryRunner.query(`
      CREATE TABLE findings_daily_flow (
        day date NOT NULL,
        rule_id text NOT NULL,
        entity text NOT NULL,
        actual_system text NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL,
        domain text NOT NULL,
        opened bigint NOT NULL DEFAULT 0,
        reopened bigint NOT NULL DEFAULT 0,
        resolved bigint NOT NULL DEFAULT 0,
        resolve_seconds double precision NOT NULL DEFAULT 0,
        exited bigint NOT NULL DEFAULT 0,
        returned bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (day, rule_id, entity, actual_system, kind, severity, domain)
      )`);

    // Events of a set of (old, new) row pairs; old is NULL for inserts, new NULL for deletes.
    // A CTE named "pairs" is provided by each trigger function below.
    const deltas = `
      active AS (
        SELECT p.*, coalesce(p.o_status IN ('new','open','reopened'), false) AS was,
          coalesce(p.n_status IN ('new','open','reopened'), false) AS is_
        FROM pairs p
      ),
      open_rows AS (
        SELECT o_rule_id AS rule_id, o_entity AS entity, o_actual_system AS actual_system, o_kind AS kind,
          o_severity AS severity, o_domain AS domain, -1 AS n FROM active WHERE was
        UNION ALL
        SELECT n_rule_id, n_entity, n_actual_system, n_kind, n_severity, n_domain, 1 FROM active WHERE is_
      ),
      open_delta AS (
        SELECT rule_id, entity, actual_system, kind, severity, domain, sum(n)::bigint AS n
        FROM open_rows GROUP BY 1, 2, 3, 4, 5, 6
      ),
      events AS (
        -- inserted: opened at first_seen_at, then its current state's own event
        SELECT (n_first_seen_at AT TIME ZONE 'UTC')::date AS day, 'opened' AS what, 0::double precision AS secs, a.*
        FROM active a WHERE a.o_status IS NULL
        UNION ALL
        SELECT (coalesce(n_resolved_at, n_updated_at) AT TIME ZONE 'UTC')::date, 'resolved',
          greatest(0, extract(epoch FROM coalesce(n_resolved_at, n_updated_at) - n_first_seen_at)), a.*
        FROM active a WHERE (a.o_status IS NULL OR a.was) AND a.n_status = 'resolved'
        UNION ALL
        SELECT (n_updated_at AT TIME ZONE 'UTC')::date, 'exited', 0, a.*
        FROM active a WHERE (a.o_status IS NULL OR a.was) AND a.n_status IS NOT NULL AND NOT a.is_ AND a.n_status <> 'resolved'
        UNION ALL
        SELECT (now() AT TIME ZONE 'UTC')::date, 'exited', 0, a.*
        FROM active a WHERE a.was AND a.n_status IS NULL
        UNION ALL
        SELECT (n_last_seen_at AT TIME ZONE 'UTC')::date, 'reopened', 0, a.*
        FROM active a WHERE a.o_status = 'resolved' AND a.is_
        UNION ALL
        SELECT (n_updated_at AT TIME ZONE 'UTC')::date, 'returned', 0, a.*
        FROM active a WHERE a.o_status IS NOT NULL AND a.o_status <> 'resolved' AND NOT a.was AND a.is_
      ),
      flow_delta AS (
        SELECT day, coalesce(n_rule_id, o_rule_id) AS rule_id, coalesce(n_entity, o_entity) AS entity,
          coalesce(n_actual_system, o_actual_system) AS actual_system, coalesce(n_kind, o_kind) AS kind,
          coalesce(n_severity, o_severity) AS severity, coalesce(n_domain, o_domain) AS domain,
          count(*) FILTER (WHERE what = 'opened') AS opened, count(*) FILTER (WHERE what = 'reopened') AS reopened,
          count(*) FILTER (WHERE what = 'resolved') AS resolved, coalesce(sum(secs) FILTER (WHERE what = 'resolved'), 0) AS resolve_seconds,
          count(*) FILTER (WHERE what = 'exited') AS exited, count(*) FILTER (WHERE what = 'returned') AS returned
        FROM events GROUP BY 1, 2, 3, 4, 5, 6, 7
      )
`;
    const columns = ['rule_id', 'entity', 'actual_system', 'kind', 'severity', 'domain', 'status'];
    const times = ['first_seen_at', 'last_seen_at', 'resolved_at', 'updated_at'];
    const side = (alias: string, prefix: string) =>
      [...columns, ...times].map((c) => `${alias}.${c} AS ${prefix}_${c}`).join(', ');
    const nulls = (prefix: string) =>
      [
        ...columns.map((c) => `NULL::text AS ${prefix}_${c}`),
        ...times.map((c) => `NULL::timestamptz AS ${prefix}_${c}`),
      ].join(', ');
    // Two statements per trigger (a data-modifying CTE must be top level); deltas are applied in
    // primary-key order so concurrent statements lock rollup rows in the same order.
    const apply = (pairs: string) => `
        WITH pairs AS (${pairs}), ${deltas}
        INSERT INTO findings_open_counts AS c (rule_id, entity, actual_system, kind, severity, domain, open)
        SELECT * FROM open_delta WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (rule_id, entity, actual_system, kind, severity, domain) DO UPDATE SET open = c.open + EXCLUDED.open;
        WITH pairs AS (${pairs}), ${deltas}
        INSERT INTO findings_daily_flow AS f (day, rule_id, entity, actual_system, kind, severity, domain,
          opened, reopened, resolved, resolve_seconds, exited, returned)
        SELECT * FROM flow_delta ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (day, rule_id, entity, actual_system, kind, severity, domain) DO UPDATE SET
          opened = f.opened + EXCLUDED.opened, reopened = f.reopened + EXCLUDED.reopened,
          resolved = f.resolved + EXCLUDED.resolved, resolve_seconds = f.resolve_seconds + EXCLUDED.resolve_seconds,
          exited = f.exited + EXCLUDED.exited, returned = f.returned + EXCLUDED.returned;`;
    const trigger = (name: string, pairs: string) =>
      queryRunner.query(`
        CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN ${apply(pairs)}
          RETURN NULL;
        END $$`);
    await trigger('findings_rollup_on_insert', `SELECT ${nulls('o')}, ${side('n', 'n')} FROM new_rows n`);
    await trigger(
      'findings_rollup_on_update',
      `SELECT ${side('o', 'o')}, ${side('n', 'n')} FROM old_rows o JOIN new_rows n USING (id)
        WHERE (o.status, o.rule_id, o.entity, o.actual_system, o.kind, o.severity, o.domain)
          IS DISTINCT FROM (n.status, n.rule_id, n.entity, n.actual_system, n.kind, n.severity, n.domain)`,
    );
    await trigger('findings_rollup_on_delete', `SELECT ${side('o', 'o')}, ${nulls('n')} FROM old_rows o`);
    await queryRunner.query(`CREATE TRIGGER findings_rollup_insert AFTER INSERT ON findings
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION findings_rollup_on_insert()`);
    await queryRunner.query(`CREATE TRIGGER findings_rollup_update AFTER UPDATE ON findings
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION findings_rollup_on_update()`);
    await queryRunner.query(`CREATE TRIGGER findings_rollup_delete AFTER DELETE ON findings
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION findings_rollup_on_delete()`);

    // Backfill from the findings that exist (empty on a new installation).
    await queryRunner.query(`
      INSERT INTO findings_open_counts (rule_id, entity, actual_system, kind, severity, domain, open)
      SELECT rule_id, entity, actual_system, kind, severity, domain, count(*) FROM findings
      WHERE status IN ('new','open','reopened') GROUP BY 1, 2, 3, 4, 5, 6`);
    await queryRunner.query(`
      INSERT INTO findings_daily_flow AS f (day, rule_id, entity, actual_system, kind, severity, domain, opened, resolved, resolve_seconds, exited)
      SELECT day, rule_id, entity, actual_system, kind, severity, domain, sum(opened), sum(resolved), sum(secs), sum(exited)
      FROM (
        SELECT (first_seen_at AT TIME ZONE 'UTC')::date AS day, rule_id, entity, actual_system, kind, severity, domain,
          1 AS opened, 0 AS resolved, 0::double precision AS secs, 0 AS exited FROM findings
        UNION ALL
        SELECT (coalesce(resolved_at, updated_at) AT TIME ZONE 'UTC')::date, rule_id, entity, actual_system, kind, severity, domain,
          0, 1, greatest(0, extract(epoch FROM coalesce(resolved_at, updated_at) - first_seen_at)), 0
        FROM findings WHERE status = 'resolved'
        UNION ALL
        SELECT (updated_at AT TIME ZONE 'UTC')::date, rule_id, entity, actual_system, kind, severity, domain, 0, 0, 0, 1
        FROM findings WHERE status = 'suppressed'
      ) e GROUP BY 1, 2, 3, 4, 5, 6, 7`);

    // Exceptions list: each usual filter followed by the default sort, so a page is an index range scan.
    await queryRunner.query(`CREATE INDEX findings_last_seen_idx ON findings (last_seen_at DESC, id DESC)`);
    await queryRunner.query(
      `CREATE INDEX findings_rule_last_seen_idx ON findings (rule_id, status, last_seen_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX findings_severity_last_seen_idx ON findings (severity, status, last_seen_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX findings_domain_last_seen_idx ON findings (domain, status, last_seen_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX findings_system_last_seen_idx ON findings (actual_system, status, last_seen_at DESC, id DESC)`,
    );
    // Mean time to resolve and auto-heal over a range read resolved findings by resolved_at.
    await queryRunner.query(
      `CREATE INDEX findings_resolved_at_idx ON findings (resolved_at) WHERE resolved_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of [
      'findings_resolved_at_idx',
      'findings_system_last_seen_idx',
      'findings_domain_last_seen_idx',
      'findings_severity_last_seen_idx',
      'findings_rule_last_seen_idx',
      'findings_last_seen_idx',
    ]) {
      await queryRunner.query(`DROP INDEX ${index}`);
    }
    await queryRunner.query(`DROP TRIGGER findings_rollup_delete ON findings`);
    await queryRunner.query(`DROP TRIGGER findings_rollup_update ON findings`);
    await queryRunner.query(`DROP TRIGGER findings_rollup_insert ON findings`);
    await queryRunner.query(`DROP FUNCTION findings_rollup_on_delete()`);
    await queryRunner.query(`DROP FUNCTION findings_rollup_on_update()`);
    await queryRunner.query(`DROP FUNCTION findings_rollup_on_insert()`);
    await queryRunner.query(`DROP TABLE findings_daily_flow`);
    await queryRunner.query(`DROP TABLE findings_open_counts`);
  }
}
