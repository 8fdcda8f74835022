import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUN_IS_TARGETED, seenByRunCondition } from '../findings/seen-by-run';

/** Finding kinds that become stewardship items: duplicates, and records absent from another system. */
export const DUPLICATE_KINDS = ['duplicate', 'duplicate_candidate'] as const;
export const UNMATCHED_KINDS = ['missing', 'unexpected'] as const;

export interface StewardshipFinding {
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
  details: Record<string, unknown>;
  score: number;
  /** The reconciliation run that last saw the finding. */
  lastRunId: string;
}

/**
 * Reads (never writes) the findings a reconciliation run saw that need a person: the findings
 * module owns the table and its lifecycle.
 */
@Injectable()
export class StewardshipFindingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async byId(id: string): Promise<StewardshipFinding | null> {
    const rows = await this.select('WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  /** The run, and whether it was targeted (which decides how its findings are read); null when unknown. */
  async run(runId: string): Promise<{ id: string; targeted: boolean } | null> {
    const rows: { targeted: boolean }[] = await this.dataSource.query(
      `SELECT ${RUN_IS_TARGETED} AS targeted FROM reconciliation_runs WHERE id = $1::uuid`,
      [runId],
    );
    return rows[0] ? { id: runId, targeted: rows[0].targeted } : null;
  }

  /** The run's active duplicate and presence findings, a page at a time in id order. */
  async seenByRun(
    run: { id: string; targeted: boolean },
    afterId: string,
    limit: number,
  ): Promise<StewardshipFinding[]> {
    return this.select(
      `WHERE ${seenByRunCondition(run.targeted, { run: '$1', after: '$3' })}
         AND kind = ANY($2::text[]) AND id > $3
       ORDER BY id LIMIT $4`,
      [run.id, [...DUPLICATE_KINDS, ...UNMATCHED_KINDS], afterId, limit],
    );
  }

  private async select(where: string, params: unknown[]): Promise<StewardshipFinding[]> {
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
      details: Record<string, unknown> | null;
      score: number;
      last_run_id: string;
    }[] = await this.dataSource.query(
      `SELECT id, rule_id, entity, match_key, field, kind, owner_system, expected_value, actual_system, actual_value,
         details, score, last_run_id::text AS last_run_id
       FROM findings ${where}`,
      params,
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
      details: r.details ?? {},
      score: Number(r.score),
      lastRunId: r.last_run_id,
    }));
  }
}
