import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ACTIVE_STATUSES } from '../findings/finding';
import { COMPLETE_FULL_RUN, SNAPSHOT_RUN_PAIRS } from '../snapshots/snapshot-run-pairs';
import type { RuleOutcome } from '../reconciliation/reconciliation-runs.repository';

export interface FindingGroupRow {
  ruleId: string;
  open: number;
  fresh: number;
  resolved: number;
}

export interface FindingExampleRow {
  ruleId: string;
  matchKey: string;
  field: string;
  kind: string;
  ownerSystem: string;
  actualSystem: string;
  expectedValue: string;
  actualValue: string;
}

const EXAMPLES_PER_RULE = 5;

/**
 * Reads the findings of one reconciliation run, grouped per rule, for alerting. It reads the
 * findings and reconciliation_runs tables the reconciliation module writes; it never writes them.
 */
@Injectable()
export class FindingGroupsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Rules that ran (not held, skipped or failed) in this run with their counts: open is every active
   * finding of the rule now (the exact rollup 0008's triggers keep, not a scan of `findings`); new and
   * resolved are what this run itself raised (new and reopened) and resolved, as it recorded them.
   * Null when the run is unknown or did not complete.
   */
  async groups(runId: string): Promise<FindingGroupRow[] | null> {
    const runs = await this.dataSource.query<Array<{ rule_counts: Record<string, RuleOutcome> }>>(
      `SELECT rule_counts FROM reconciliation_runs WHERE id = $1 AND status = 'complete'`,
      [runId],
    );
    const run = runs[0];
    if (!run) return null;
    const ran = Object.entries(run.rule_counts).filter(([, counts]) => counts.status === 'ran');
    if (ran.length === 0) return [];
    const open = await this.dataSource.query<Array<{ rule_id: string; open: string }>>(
      `SELECT rule_id, sum(open) AS open FROM findings_open_counts WHERE rule_id = ANY($1::text[]) GROUP BY rule_id`,
      [ran.map(([ruleId]) => ruleId)],
    );
    const openByRule = new Map(open.map((r) => [r.rule_id, Number(r.open)]));
    return ran.map(([ruleId, counts]) => ({
      ruleId,
      open: openByRule.get(ruleId) ?? 0,
      fresh: (counts.new ?? 0) + (counts.reopened ?? 0),
      resolved: counts.resolved ?? 0,
    }));
  }

  /** Rules with any active finding now (the open-counts rollup: a few rows per rule, no scan of `findings`). */
  async rulesWithActiveFindings(): Promise<Set<string>> {
    const rows = await this.dataSource.query<Array<{ rule_id: string }>>(
      `SELECT rule_id FROM findings_open_counts GROUP BY rule_id HAVING sum(open) > 0`,
    );
    return new Set(rows.map((r) => r.rule_id));
  }

  /**
   * Records per entity as of the latest complete full snapshots (the largest system's count): the
   * denominator of "percentage of records affected". Read after every run, event-triggered ones too:
   * one probe per system and entity of migration 0020's index of full-scope runs (a DISTINCT ON over
   * the complete full runs read them all, behind every event-triggered run).
   */
  async recordsByEntity(): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<Array<{ entity: string; records: string }>>(
      `WITH RECURSIVE ${SNAPSHOT_RUN_PAIRS}
       SELECT pairs.entity, max(latest.rows_written) AS records
       FROM pairs CROSS JOIN LATERAL (
         SELECT r.rows_written FROM snapshot_runs r
         WHERE r.connector_id = pairs.connector_id AND r.entity = pairs.entity
           AND ${COMPLETE_FULL_RUN} AND r.finished_at IS NOT NULL
         ORDER BY r.finished_at DESC NULLS LAST, r.queued_at DESC LIMIT 1
       ) latest
       GROUP BY pairs.entity`,
    );
    return new Map(rows.map((r) => [r.entity, Number(r.records)]));
  }

  /**
   * Up to EXAMPLES_PER_RULE active findings per rule, the latest status changes first (a run's new and
   * reopened findings on top): one short range of 0016's (rule_id, status, status_changed_at) index per
   * rule and active status, never a sort of a rule's whole active set.
   */
  async examples(ruleIds: string[]): Promise<FindingExampleRow[]> {
    if (ruleIds.length === 0) return [];
    const latest = (status: string) =>
      `(SELECT rule_id, match_key, field, kind, owner_system, actual_system, expected_value, actual_value,
          status_changed_at, id
          FROM findings WHERE rule_id = r.rule_id AND status = '${status}'
         ORDER BY status_changed_at DESC, id DESC LIMIT $2)`;
    const rows = await this.dataSource.query<
      Array<{
        rule_id: string;
        match_key: string;
        field: string;
        kind: string;
        owner_system: string;
        actual_system: string;
        expected_value: string;
        actual_value: string;
      }>
    >(
      `SELECT e.rule_id, e.match_key, e.field, e.kind, e.owner_system, e.actual_system, e.expected_value,
         e.actual_value
         FROM unnest($1::text[]) AS r(rule_id)
         CROSS JOIN LATERAL (
           SELECT * FROM (${ACTIVE_STATUSES.map(latest).join(' UNION ALL ')}) active
            ORDER BY status_changed_at DESC, id DESC LIMIT $2
         ) e`,
      [ruleIds, EXAMPLES_PER_RULE],
    );
    return rows.map((r) => ({
      ruleId: r.rule_id,
      matchKey: r.match_key,
      field: r.field,
      kind: r.kind,
      ownerSystem: r.owner_system,
      actualSystem: r.actual_system,
      expectedValue: r.expected_value,
      actualValue: r.actual_value,
    }));
  }
}
