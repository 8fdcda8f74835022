import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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

  /** Rules that ran (not held, skipped or failed) in this run with their open / new / resolved counts. Null when the run is unknown. */
  async groups(runId: string): Promise<FindingGroupRow[] | null> {
    const runs = await this.dataSource.query<Array<{ rule_ids: string[]; started_at: Date }>>(
      `SELECT ARRAY(SELECT key FROM jsonb_each(rule_counts) WHERE value ->> 'status' = 'ran') AS rule_ids, started_at
         FROM reconciliation_runs WHERE id = $1 AND status = 'complete'`,
      [runId],
    );
    const run = runs[0];
    if (!run) return null;
    const rows = await this.dataSource.query<Array<{ rule_id: string; open: string; fresh: string; resolved: string }>>(
      `SELECT r.rule_id,
              count(f.id) FILTER (WHERE f.status IN ('new', 'open', 'reopened')) AS open,
              count(f.id) FILTER (WHERE f.status IN ('new', 'reopened') AND f.last_run_id = $1) AS fresh,
              count(f.id) FILTER (WHERE f.status = 'resolved' AND f.resolved_at >= $2) AS resolved
         FROM unnest($3::text[]) AS r(rule_id)
         LEFT JOIN findings f ON f.rule_id = r.rule_id
        GROUP BY r.rule_id`,
      [runId, run.started_at, run.rule_ids],
    );
    return rows.map((r) => ({
      ruleId: r.rule_id,
      open: Number(r.open),
      fresh: Number(r.fresh),
      resolved: Number(r.resolved),
    }));
  }

  /**
   * Records per entity as of the latest complete full snapshots (the largest system's count): the
   * denominator of "percentage of records affected".
   */
  async recordsByEntity(): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<Array<{ entity: string; records: string }>>(
      `SELECT entity, max(rows_written) AS records FROM (
         SELECT DISTINCT ON (connector_id, entity) entity, rows_written
           FROM snapshot_runs WHERE status = 'complete' AND mode = 'full'
          ORDER BY connector_id, entity, finished_at DESC
       ) latest GROUP BY entity`,
    );
    return new Map(rows.map((r) => [r.entity, Number(r.records)]));
  }

  async examples(ruleIds: string[]): Promise<FindingExampleRow[]> {
    if (ruleIds.length === 0) return [];
    const rows = await this.dataSource.query<
      Array<{
        rule_id: string;
        match_key: string;
        field: string;
        actual_system: string;
        expected_value: string;
        actual_value: string;
      }>
    >(
      `SELECT rule_id, match_key, field, actual_system, expected_value, actual_value FROM (
         SELECT f.*, row_number() OVER (PARTITION BY rule_id ORDER BY last_seen_at DESC, id) AS n
           FROM findings f WHERE rule_id = ANY($1::text[]) AND status IN ('new', 'open', 'reopened')
       ) ranked WHERE n <= $2`,
      [ruleIds, EXAMPLES_PER_RULE],
    );
    return rows.map((r) => ({
      ruleId: r.rule_id,
      matchKey: r.match_key,
      field: r.field,
      actualSystem: r.actual_system,
      expectedValue: r.expected_value,
      actualValue: r.actual_value,
    }));
  }
}
