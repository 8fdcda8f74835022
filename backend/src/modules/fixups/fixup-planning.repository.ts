import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUN_IS_FULL, RUN_IS_TARGETED, seenByRunCondition } from '../findings/seen-by-run';

export interface RunForPlanning {
  id: string;
  status: 'running' | 'complete' | 'failed';
  startedAt: Date;
  /** Whether it ran for the keys of an event (see seenByRunCondition). */
  targeted: boolean;
  ruleCounts: Record<string, { status: string; findings?: number }>;
}

export interface PlannableFinding {
  id: string;
  ruleId: string;
  entity: string;
  matchKey: string;
  field: string;
  kind: string;
  ownerSystem: string;
  expectedValue: string;
  actualSystem: string;
  actualValue: string;
  details: unknown;
}

/**
 * What planning reads from reconciliation's tables (read-only): the run, the rule's finding counts in
 * earlier runs (spike guard), and the live findings a run saw.
 */
@Injectable()
export class FixupPlanningRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run(runId: string): Promise<RunForPlanning | null> {
    const rows: {
      id: string;
      status: RunForPlanning['status'];
      started_at: Date;
      targeted: boolean;
      rule_counts: RunForPlanning['ruleCounts'];
    }[] = await this.dataSource.query(
      `SELECT id::text AS id, status, started_at, ${RUN_IS_TARGETED} AS targeted, rule_counts
       FROM reconciliation_runs WHERE id = $1::uuid`,
      [runId],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          status: row.status,
          startedAt: row.started_at,
          targeted: row.targeted,
          ruleCounts: row.rule_counts,
        }
      : null;
  }

  /**
   * The rule's finding counts in the runs of the same kind (targeted or full) before `before` in which
   * it ran, newest first. Kinds are not mixed: an event-triggered run sees a handful of keys, so its
   * counts would make the next full run's standing findings look like a spike (migration 0026 indexes
   * the full runs, which are few among many targeted ones).
   */
  async ruleHistory(ruleId: string, before: Date, runs: number, targeted: boolean): Promise<number[]> {
    const rows: { findings: string }[] = await this.dataSource.query(
      `SELECT rule_counts -> $1 ->> 'findings' AS findings FROM reconciliation_runs
       WHERE ${targeted ? RUN_IS_TARGETED : RUN_IS_FULL}
         AND started_at < $2 AND rule_counts -> $1 ->> 'status' = 'ran'
       ORDER BY started_at DESC LIMIT $3`,
      [ruleId, before, runs],
    );
    return rows.map((r) => Number(r.findings ?? 0));
  }

  /** One page of the live findings of a rule that a run saw (keyset by id). */
  async findingsOfRun(
    run: Pick<RunForPlanning, 'id' | 'targeted'>,
    ruleId: string,
    afterId: string,
    limit: number,
  ): Promise<PlannableFinding[]> {
    const rows: {
      id: string;
      rule_id: string;
      entity: string;
      match_key: string;
      field: string;
      kind: string;
      owner_system: string;
      expected_value: string;
      actual_system: string;
      actual_value: string;
      details: unknown;
    }[] = await this.dataSource.query(
      `SELECT id, rule_id, entity, match_key, field, kind, owner_system, expected_value, actual_system, actual_value, details
       FROM findings
       WHERE ${seenByRunCondition(run.targeted, { run: '$1', after: '$3' })} AND rule_id = $2 AND id > $3
       ORDER BY id LIMIT $4`,
      [run.id, ruleId, afterId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      ruleId: r.rule_id,
      entity: r.entity,
      matchKey: r.match_key,
      field: r.field,
      kind: r.kind,
      ownerSystem: r.owner_system,
      expectedValue: r.expected_value,
      actualSystem: r.actual_system,
      actualValue: r.actual_value,
      details: r.details,
    }));
  }

  /** Base keys that already have a task no run has closed yet. */
  async openBaseKeys(baseKeys: readonly string[]): Promise<Set<string>> {
    if (baseKeys.length === 0) return new Set();
    const rows: { base_key: string }[] = await this.dataSource.query(
      `SELECT DISTINCT base_key FROM fix_tasks WHERE base_key = ANY($1::text[]) AND resolved_run_id IS NULL`,
      [[...baseKeys]],
    );
    return new Set(rows.map((r) => r.base_key));
  }
}
