import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { EntityKind } from '@driftwatch/reconciliation-rules';
import { RUN_IS_FULL, RUN_IS_TARGETED } from '../findings/seen-by-run';
import { SNAPSHOT_RUN_PAIRS } from '../snapshots/snapshot-run-pairs';
import type {
  ReconciliationRunScope,
  ReconciliationRunView,
  RuleOutcome,
  SkippedRule,
  SnapshotHold,
} from './reconciliation.dto';

/** Which runs a listing keeps: over whole entities, or on the keys of change events. */
export const RUN_SCOPES = ['full', 'targeted'] as const;
export type RunScope = (typeof RUN_SCOPES)[number];

export const RECONCILIATION_TRIGGERS = ['schedule', 'snapshot', 'api', 'event'] as const;
export type ReconciliationTrigger = (typeof RECONCILIATION_TRIGGERS)[number];
export const RECONCILIATION_RUN_STATUSES = ['running', 'complete', 'failed'] as const;
export type ReconciliationRunStatus = (typeof RECONCILIATION_RUN_STATUSES)[number];

// Callers outside the module (alerts, benches) import it from here.
export type { RuleOutcome };

export interface LatestSnapshotRun {
  system: string;
  entity: EntityKind;
  id: string;
  status: string;
  error: string | null;
}

interface RunRecord {
  id: string;
  trigger: ReconciliationTrigger;
  status: ReconciliationRunStatus;
  scope: ReconciliationRunScope;
  snapshots: Record<string, string>;
  rule_versions: Record<string, number>;
  rule_counts: Record<string, RuleOutcome>;
  held: SnapshotHold[];
  skipped: SkippedRule[];
  findings_total: string;
  resolved_total: string;
  job_id: string | null;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: string | null;
}

const toView = (r: RunRecord): ReconciliationRunView => ({
  id: r.id,
  trigger: r.trigger,
  status: r.status,
  scope: r.scope,
  snapshots: r.snapshots,
  ruleVersions: r.rule_versions,
  ruleCounts: r.rule_counts,
  held: r.held,
  skipped: r.skipped,
  findingsTotal: Number(r.findings_total),
  resolvedTotal: Number(r.resolved_total),
  jobId: r.job_id,
  error: r.error,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
  durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
});

// Distinct from the schema-migration lock key.
const RUN_LOCK_KEY = 74_201_116;

/** Postgres `reconciliation_runs`, plus the read of snapshot run outcomes the flood guard needs. */
@Injectable()
export class ReconciliationRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` holding a Postgres advisory lock, so reconciliation runs never overlap across worker
   * processes: two overlapping runs would resolve each other's findings.
   */
  async withRunLock<T>(work: () => Promise<T>): Promise<T> {
    const session = this.dataSource.createQueryRunner();
    await session.connect();
    try {
      await session.query('SELECT pg_advisory_lock($1)', [RUN_LOCK_KEY]);
      try {
        return await work();
      } finally {
        await session.query('SELECT pg_advisory_unlock($1)', [RUN_LOCK_KEY]);
      }
    } finally {
      await session.release();
    }
  }

  async start(run: { trigger: ReconciliationTrigger; scope: ReconciliationRunScope; jobId?: string }): Promise<string> {
    const id = randomUUID();
    await this.dataSource.query(
      `INSERT INTO reconciliation_runs (id, trigger, status, scope, job_id) VALUES ($1, $2, 'running', $3::jsonb, $4)`,
      [id, run.trigger, JSON.stringify(run.scope), run.jobId ?? null],
    );
    return id;
  }

  async finish(
    id: string,
    outcome: {
      status: 'complete' | 'failed';
      snapshots: Record<string, string>;
      ruleVersions: Record<string, number>;
      ruleCounts: Record<string, RuleOutcome>;
      held: SnapshotHold[];
      skipped: SkippedRule[];
      findingsTotal: number;
      resolvedTotal: number;
      error: string | null;
      durationMs: number;
    },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE reconciliation_runs SET status = $2, snapshots = $3::jsonb, rule_versions = $4::jsonb,
         rule_counts = $5::jsonb, held = $6::jsonb, skipped = $7::jsonb, findings_total = $8, resolved_total = $9,
         error = $10, duration_ms = $11, finished_at = now()
       WHERE id = $1`,
      [
        id,
        outcome.status,
        JSON.stringify(outcome.snapshots),
        JSON.stringify(outcome.ruleVersions),
        JSON.stringify(outcome.ruleCounts),
        JSON.stringify(outcome.held),
        JSON.stringify(outcome.skipped),
        outcome.findingsTotal,
        outcome.resolvedTotal,
        outcome.error,
        outcome.durationMs,
      ],
    );
  }

  async findById(id: string): Promise<ReconciliationRunView | null> {
    const rows: RunRecord[] = await this.dataSource.query(`SELECT * FROM reconciliation_runs WHERE id = $1`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /**
   * The latest runs, newest first. `scope` keeps full or targeted runs only: event-triggered runs far
   * outnumber full ones, and their counts (a handful of keys each) say nothing of a rule's hits over
   * the whole estate (the full ones are a range of migration 0026's index).
   */
  async list(limit: number, filter: { jobId?: string; scope?: RunScope } = {}): Promise<ReconciliationRunView[]> {
    const scope =
      filter.scope === undefined ? '' : `AND ${filter.scope === 'targeted' ? RUN_IS_TARGETED : RUN_IS_FULL}`;
    const rows: RunRecord[] = await this.dataSource.query(
      `SELECT * FROM reconciliation_runs WHERE ($2::text IS NULL OR job_id = $2) ${scope}
       ORDER BY started_at DESC, id LIMIT $1`,
      [limit, filter.jobId ?? null],
    );
    return rows.map(toView);
  }

  /**
   * The latest finished non-targeted snapshot run per (system, entity), read from `snapshot_runs`: every
   * run asks (the flood guard). The pairs come from a walk of the (connector_id, entity) index, one
   * probe per pair, and each pair's latest run from migration 0020's partial index: a DISTINCT ON read every
   * run (6.9 s at 4M event-triggered snapshot runs, about 80 days of a busy webhook source).
   */
  async latestSnapshotRuns(): Promise<LatestSnapshotRun[]> {
    const rows: { connector_id: string; entity: string; id: string; status: string; error: string | null }[] =
      await this.dataSource.query(
        `WITH RECURSIVE ${SNAPSHOT_RUN_PAIRS}
         SELECT pairs.connector_id, pairs.entity, latest.id::text AS id, latest.status, latest.error
         FROM pairs CROSS JOIN LATERAL (
           SELECT r.id, r.status, r.error FROM snapshot_runs r
           WHERE r.connector_id = pairs.connector_id AND r.entity = pairs.entity
             AND r.status IN ('complete', 'partial', 'failed') AND r.keys IS NULL
           ORDER BY r.finished_at DESC NULLS LAST, r.queued_at DESC LIMIT 1
         ) latest`,
      );
    return rows.map((r) => ({
      system: r.connector_id,
      entity: r.entity as EntityKind,
      id: r.id,
      status: r.status,
      error: r.error,
    }));
  }
}
