import { Injectable } from '@nestjs/common';
import { UNSETTLED_KIND } from '@driftwatch/reconciliation-rules';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource, type QueryResult, type QueryRunner } from 'typeorm';
import { type CopyValue, copyRows } from '../../database/copy-from';
import type { FindingObservation } from './finding';
import { findingId } from './finding';

export interface UpsertOutcome {
  inserted: number;
  reopened: number;
  seen: number;
  /** Findings held rather than judged (UNSETTLED_KIND rows, by id): their records are still settling. */
  unsettled: number;
}

/**
 * Which findings a resolution pass may close: the rules that ran (with the version each ran at),
 * narrowed to a targeted run's keys.
 */
export interface ResolutionScope {
  rules: readonly { id: string; version: number }[];
  entity?: string;
  matchKeys?: readonly string[];
}

/** Per rule, how many active findings a run resolved, and how many it retired (a new rule version). */
export type ResolutionCounts = Map<string, { resolved: number; retired: number }>;

function parseDetails(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object') return text;
  } catch {
    // A rule produced details that are not a JSON object: keep them, wrapped, rather than lose them.
  }
  return JSON.stringify({ raw: text });
}

/**
 * A run's observations as rows of the staging table (see mergeRun), numbered in the order they came;
 * counts the held ones (UNSETTLED_KIND) in `held`.
 */
async function* observationRows(
  observations: AsyncIterable<FindingObservation> | Iterable<FindingObservation>,
  held: { rows: number },
): AsyncGenerator<CopyValue[]> {
  let seq = 0;
  for await (const f of observations) {
    if (f.kind === UNSETTLED_KIND) held.rows += 1;
    yield [
      seq++,
      findingId(f),
      f.ruleId,
      f.ruleVersion,
      f.entity,
      f.matchKey,
      f.field,
      f.kind,
      f.ownerSystem,
      f.expectedValue,
      f.actualSystem,
      f.actualValue,
      parseDetails(f.details),
      f.score,
      f.severity,
      f.domain,
    ];
  }
}

/**
 * Held rows (UNSETTLED_KIND) of the staged observations are no findings: each marks the active finding
 * of its id held by the run (resolveUnseen leaves it; rollup-neutral, nothing the rollups count
 * moves) and leaves the staging table. Returns how many findings (ids) were held.
 */
async function holdUnsettled(runner: QueryRunner, runId: string): Promise<number> {
  await runner.query(`SET LOCAL driftwatch.findings_rollup_neutral = 'on'`);
  await runner.query(
    `UPDATE findings AS f SET unsettled_run_id = $1::uuid
     FROM (SELECT DISTINCT id FROM finding_observations WHERE kind = $2) o
     WHERE f.id = o.id AND f.status IN ('new', 'open', 'reopened') AND f.last_run_id <> $1::uuid`,
    [runId, UNSETTLED_KIND],
  );
  await runner.query(`SET LOCAL driftwatch.findings_rollup_neutral = 'off'`);
  const [rows] = (await runner.query(`DELETE FROM finding_observations WHERE kind = $1 RETURNING id`, [
    UNSETTLED_KIND,
  ])) as [{ id: string }[], number];
  return new Set(rows.map((r) => r.id)).size;
}
/**
 * What reconciliation runs write to the findings' current state (Postgres `findings`): each run's
 * observations merged in, and what a run no longer sees resolved or retired. Triage (lists, assignment,
 * suppression) is FindingsRepository's.
 */
@Injectable()
export class FindingsMergeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Merges one batch of a run's observations (see mergeRun); kept for callers that hold an array.
   */
  upsertBatch(runId: string, seenAt: Date, batch: readonly FindingObservation[]): Promise<UpsertOutcome> {
    return this.mergeRun(runId, seenAt, batch);
  }

  /**
   * Merges a run's observations into the current state, writing only what moved: new findings are
   * inserted as `new`; a known one gets this sighting (last seen, last run, occurrences + 1) and its
   * current values, and becomes `open` (`reopened` when it had been resolved; suppressed stays
   * suppressed; a retired one is open again: the rule sees it once more). A finding already merged for this run is left alone, so a retried merge or the same
   * finding twice in one run counts once (its last observation wins).
   *
   * The observations are streamed into a temporary table with COPY (memory stays bounded however many
   * there are), deduplicated and classified against `findings` once (new / seen again while active with
   * the same rollup dimensions / moved / already merged), then merged by one statement per class in one
   * transaction, whatever their number (and, for a targeted run, its findings' ids are recorded in
   * `targeted_run_findings`, which its fix-up planning and stewardship intake read: migration 0017):
   *  - new: inserted;
   *  - seen again (nearly all of them, run after run): one UPDATE that the dashboard rollups' trigger
   *    skips (it changes nothing they count; migration 0010);
   *  - moved (reopened, retired or suppressed seen again, new kind, severity or domain): an UPDATE the rollups
   *    count. Should a row have changed since it was classified (a person suppressed it meanwhile), the
   *    seen-again statement leaves it and this one takes every known finding not yet merged instead.
   */
  async mergeRun(
    runId: string,
    seenAt: Date,
    observations: AsyncIterable<FindingObservation> | Iterable<FindingObservation>,
    options: { targeted?: boolean } = {},
  ): Promise<UpsertOutcome> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      await runner.startTransaction();
      const held = { rows: 0 };
      // The deduplicating sort and the joins below stay in memory (the default 4 MB spills at ~15k rows).
      await runner.query(`SET LOCAL work_mem = '64MB'`);
      await runner.query(
        `CREATE TEMP TABLE finding_observations (seq integer, id text, rule_id text, rule_version integer,
           entity text, match_key text, field text, kind text, owner_system text, expected_value text,
           actual_system text, actual_value text, details jsonb, score double precision, severity text, domain text)
         ON COMMIT DROP`,
      );
      const staged = await copyRows(
        client,
        `COPY finding_observations (seq, id, rule_id, rule_version, entity, match_key, field, kind, owner_system,
           expected_value, actual_system, actual_value, details, score, severity, domain) FROM STDIN`,
        observationRows(observations, held),
      );
      const unsettled = held.rows > 0 ? await holdUnsettled(runner, runId) : 0;
      if (staged === held.rows) {
        await runner.commitTransaction();
        return { inserted: 0, reopened: 0, seen: 0, unsettled };
      }
      // One row per finding (the same finding twice in one run: its last observation counts, once), with
      // what the merge does to it, judged once instead of one join of findings per statement. Stored in id
      // order, so the insert below hands the table's indexes new rows in order (in random order they cost
      // up to twice the time; docs/architecture.md, "What bounds (c) and (f)"): free with today's plan, a
      // merge join on the sorted observations, and kept should the plan change.
      await runner.query(
        `CREATE TEMP TABLE finding_merge ON COMMIT DROP AS
         SELECT *, ''::text AS class FROM finding_observations WITH NO DATA`,
      );
      const classified: QueryResult = await runner.query(
        `INSERT INTO finding_merge
         SELECT o.*, CASE
             WHEN f.id IS NULL THEN 'new'
             WHEN f.last_run_id = $1::uuid THEN 'merged'
             WHEN f.status IN ('new', 'open', 'reopened')
               AND (f.kind, f.severity, f.domain) IS NOT DISTINCT FROM (o.kind, o.severity, o.domain) THEN 'seen'
             ELSE 'moved' END
         FROM (SELECT DISTINCT ON (id) * FROM finding_observations ORDER BY id, seq DESC) o
         LEFT JOIN findings f ON f.id = o.id
         ORDER BY o.id`,
        [runId],
        true,
      );
      // Statistics of the two columns the statements below join and filter on (all columns: ~10x slower).
      await runner.query(`ANALYZE finding_merge (id, class)`);
      if (options.targeted) {
        await runner.query(
          `INSERT INTO targeted_run_findings (run_id, finding_id) SELECT $1::uuid, id FROM finding_merge
           ON CONFLICT DO NOTHING`,
          [runId],
        );
        // Their readers run within minutes of the run (retries within hours): a week is plenty.
        await runner.query(`DELETE FROM targeted_run_findings WHERE recorded_at < now() - interval '7 days'`);
      }
      const insert: QueryResult = await runner.query(
        `INSERT INTO findings (id, rule_id, rule_version, entity, match_key, field, kind, owner_system,
           expected_value, actual_system, actual_value, details, score, severity, domain, status, occurrences,
           first_seen_at, last_seen_at, status_changed_at, first_run_id, last_run_id)
         SELECT o.id, o.rule_id, o.rule_version, o.entity, o.match_key, o.field, o.kind, o.owner_system,
           o.expected_value, o.actual_system, o.actual_value, o.details, o.score, o.severity, o.domain,
           'new', 1, $1, $1, $1, $2::uuid, $2::uuid
         FROM finding_merge o
         WHERE o.class = 'new'
         ON CONFLICT (id) DO NOTHING`,
        [seenAt, runId],
        true,
      );
      // Active findings seen again (new/reopened become open, values may change): nothing the rollups
      // count changes, so their trigger skips these rows (migration 0010); and no index holds a column
      // this writes for an open one, so each row is a HOT update (migration 0016).
      await runner.query(`SET LOCAL driftwatch.findings_rollup_neutral = 'on'`);
      const [, sighted] = (await runner.query(
        `UPDATE findings AS f SET
           rule_version = o.rule_version, owner_system = o.owner_system, expected_value = o.expected_value,
           actual_value = o.actual_value, details = o.details, score = o.score, status = 'open',
           status_changed_at = CASE f.status WHEN 'open' THEN f.status_changed_at ELSE $1 END,
           occurrences = f.occurrences + 1, last_seen_at = $1, last_run_id = $2::uuid, updated_at = now()
         FROM finding_merge o
         WHERE o.class = 'seen' AND f.id = o.id AND f.last_run_id <> $2::uuid
           AND f.status IN ('new', 'open', 'reopened')
           AND (f.kind, f.severity, f.domain) IS NOT DISTINCT FROM (o.kind, o.severity, o.domain)`,
        [seenAt, runId],
      )) as [unknown, number];
      await runner.query(`SET LOCAL driftwatch.findings_rollup_neutral = 'off'`);
      const [{ expected }] = (await runner.query(
        `SELECT count(*)::integer AS expected FROM finding_merge WHERE class = 'seen'`,
      )) as { expected: number }[];
      // Known findings whose move the rollups count: resolved -> reopened, a suppressed one seen again, or a
      // new kind, severity or domain (rule, entity and system are part of the id); plus, when a finding
      // changed after it was classified, every known finding the statement above did not merge.
      const classes = sighted === expected ? ['moved'] : ['moved', 'seen'];
      const [moved] = (await runner.query(
        `UPDATE findings AS f SET
           rule_version = o.rule_version, kind = o.kind, owner_system = o.owner_system,
           expected_value = o.expected_value, actual_value = o.actual_value, details = o.details, score = o.score,
           severity = o.severity, domain = o.domain,
           status = CASE f.status WHEN 'suppressed' THEN 'suppressed' WHEN 'resolved' THEN 'reopened' ELSE 'open' END,
           status_changed_at = CASE WHEN f.status IN ('suppressed', 'open') THEN f.status_changed_at ELSE $1 END,
           occurrences = f.occurrences + 1, last_seen_at = $1, last_run_id = $2::uuid, resolved_at = NULL,
           updated_at = now()
         FROM finding_merge o
         WHERE o.class = ANY($3::text[]) AND f.id = o.id AND f.last_run_id <> $2::uuid
         RETURNING f.status`,
        [seenAt, runId, classes],
      )) as [{ status: string }[], number];
      await runner.commitTransaction();
      return {
        inserted: insert.affected ?? 0,
        reopened: moved.filter((r) => r.status === 'reopened').length,
        seen: classified.affected ?? 0,
        unsettled,
      };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * Retires the active findings of every rule not in `ruleIds` (rules gone from the pack); per rule,
   * how many. The rules with active findings come from the open-counts rollup (a few rows), so a pack
   * whose rules are all present costs one small read.
   */
  async retireRulesOutside(ruleIds: readonly string[]): Promise<Map<string, number>> {
    const gone: { rule_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT rule_id FROM findings_open_counts WHERE open > 0 AND NOT (rule_id = ANY($1::text[]))`,
      [[...ruleIds]],
    );
    if (gone.length === 0) return new Map();
    const rows: { rule_id: string; n: number }[] = await this.dataSource.query(
      `WITH closed AS (
         UPDATE findings SET status = 'retired', updated_at = now()
         WHERE rule_id = ANY($1::text[]) AND status IN ('new', 'open', 'reopened')
         RETURNING rule_id
       )
       SELECT rule_id, count(*)::integer AS n FROM closed GROUP BY 1`,
      [gone.map((g) => g.rule_id)],
    );
    return new Map(rows.map((r) => [r.rule_id, r.n]));
  }

  /**
   * Closes the active findings in scope that this run did not see: `resolved` when the rule ran at the
   * version that found them, `retired` when it ran at another (the rule changed, not the data). A
   * finding the run held (its records still settling, see mergeRun) is left as it is.
   */
  async resolveUnseen(runId: string, at: Date, scope: ResolutionScope): Promise<ResolutionCounts> {
    const counts: ResolutionCounts = new Map();
    if (scope.rules.length === 0) return counts;
    const params: unknown[] = [runId, at, scope.rules.map((r) => r.id), scope.rules.map((r) => r.version)];
    let narrow = '';
    if (scope.entity !== undefined && scope.matchKeys !== undefined) {
      params.push(scope.entity, [...scope.matchKeys]);
      narrow = ' AND f.entity = $5 AND f.match_key = ANY($6::text[])';
    }
    const rows: { rule_id: string; status: 'resolved' | 'retired'; n: number }[] = await this.dataSource.query(
      `WITH closed AS (
         UPDATE findings AS f SET
           status = CASE WHEN f.rule_version = r.version THEN 'resolved' ELSE 'retired' END,
           resolved_at = CASE WHEN f.rule_version = r.version THEN $2::timestamptz END, status_changed_at = $2,
           updated_at = now()
         FROM unnest($3::text[], $4::integer[]) AS r(rule_id, version)
         WHERE f.rule_id = r.rule_id AND f.status IN ('new', 'open', 'reopened') AND f.last_run_id <> $1::uuid
           AND f.unsettled_run_id IS DISTINCT FROM $1::uuid${narrow}
         RETURNING f.rule_id, f.status
       )
       SELECT rule_id, status, count(*)::integer AS n FROM closed GROUP BY 1, 2`,
      params,
    );
    for (const row of rows) {
      const entry = counts.get(row.rule_id) ?? { resolved: 0, retired: 0 };
      entry[row.status] += row.n;
      counts.set(row.rule_id, entry);
    }
    return counts;
  }
}
