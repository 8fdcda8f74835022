import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets a reconciliation run record sightings without paying for the dashboard rollups' UPDATE
 * trigger (migration 0008). A run that sees an active finding again changes its last seen, last run,
 * occurrences and values, and moves new/reopened to open: nothing the rollups count (rule, entity,
 * system, kind, severity, domain and active-or-not are unchanged). The merge runs exactly those
 * statements with the transaction-local setting `driftwatch.findings_rollup_neutral = on`, and the
 * trigger function then returns at once instead of joining every updated row's old and new version.
 * Any other writer (fix-ups, stewardship, an operator's SQL) never sets it and is counted as before.
 *
 * The function body is 0008's, read from the catalog and given the guard, so this migration does not
 * restate (or drift from) the rollup SQL. TypeORM orders migrations by the last 13 digits of the class
 * name: keep them the file's number.
 */
const GUARD = "IF current_setting('driftwatch.findings_rollup_neutral', true) = 'on' THEN RETURN NULL; END IF;";

async function replaceBody(queryRunner: QueryRunner, edit: (body: string) => string): Promise<void> {
  const rows = (await queryRunner.query(
    `SELECT prosrc AS body FROM pg_proc WHERE proname = 'findings_rollup_on_update' AND pronargs = 0`,
  )) as { body: string }[];
  if (rows.length !== 1) throw new Error('findings_rollup_on_update() (migration 0008) not found');
  const body = edit(rows[0].body);
  const tag = '$findings_rollup$';
  if (body.includes(tag)) throw new Error(`the trigger body contains ${tag}`);
  await queryRunner.query(
    `CREATE OR REPLACE FUNCTION findings_rollup_on_update() RETURNS trigger LANGUAGE plpgsql AS ${tag}${body}${tag}`,
  );
}

export class FindingsRollupNeutralUpdates0000000000010 implements MigrationInterface {
  name = 'FindingsRollupNeutralUpdates0000000000010';

  async up(queryRunner: QueryRunner): Promise<void> {
    await replaceBody(queryRunner, (body) => {
      const at = body.search(/\bBEGIN\b/);
      if (at < 0 || body.includes(GUARD)) throw new Error('unexpected findings_rollup_on_update() body');
      return `${body.slice(0, at)}BEGIN ${GUARD}${body.slice(at + 'BEGIN'.length)}`;
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await replaceBody(queryRunner, (body) => body.replace(`BEGIN ${GUARD}`, 'BEGIN'));
  }
}
