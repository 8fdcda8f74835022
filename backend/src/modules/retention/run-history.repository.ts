import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUN_IS_FULL } from '../findings/seen-by-run';
import { WHOLE_ENTITY_RUN } from '../snapshots/snapshot-run-pairs';

/** Audit actions of received connector events (one entry per webhook call): run history, not decisions. */
const CONNECTOR_EVENT_ACTIONS = ['connector.event', 'connector.event.duplicate'];

/**
 * Deletes old run history from Postgres, a batch per statement (short transactions; a first pass over
 * years of history does not hold one long lock), oldest first. What deleted runs counted moves to
 * `pruned_run_totals` in the same statement (migration 0018), so the metrics' run totals never go down.
 */
@Injectable()
export class RunHistoryRepository {
  batchSize = 5000;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Finished reconciliation runs started before `cutoff`, except the latest run and the latest complete
   * full run (what the rules page, metrics and alerting read when nothing newer exists).
   */
  async pruneReconciliationRuns(cutoff: Date): Promise<number> {
    const kept: { id: string }[] = await this.dataSource.query(
      `(SELECT id FROM reconciliation_runs ORDER BY started_at DESC LIMIT 1)
       UNION
       (SELECT id FROM reconciliation_runs WHERE status = 'complete' AND ${RUN_IS_FULL}
        ORDER BY started_at DESC LIMIT 1)`,
    );
    return this.inBatches(
      `WITH gone AS (
         DELETE FROM reconciliation_runs WHERE id IN (
           SELECT id FROM reconciliation_runs
           WHERE started_at < $1 AND status <> 'running' AND id <> ALL($2::uuid[])
           ORDER BY started_at LIMIT $3)
         RETURNING status
       ), counted AS (
         INSERT INTO pruned_run_totals (kind, status, runs)
         SELECT 'reconciliation', status, count(*) FROM gone GROUP BY status
         ON CONFLICT (kind, system, entity, status) DO UPDATE SET runs = pruned_run_totals.runs + excluded.runs
       )
       SELECT count(*)::integer AS n FROM gone`,
      [cutoff, kept.map((k) => k.id)],
    );
  }

  /**
   * Finished snapshot runs queued before `cutoff` (a failed or partial one only once its rows are
   * purged from ClickHouse), except, per system and entity, the runs reads still use: the latest
   * finished and latest complete run of each mode, the latest finished full-scope run (reconciliation's
   * flood guard), and the complete whole-entity run holding the highest watermark (where incremental
   * extracts resume).
   */
  async pruneSnapshotRuns(cutoff: Date): Promise<number> {
    const kept: { id: string }[] = await this.dataSource.query(
      `(SELECT DISTINCT ON (connector_id, entity, mode) id FROM snapshot_runs
        WHERE status IN ('complete', 'partial', 'failed')
        ORDER BY connector_id, entity, mode, finished_at DESC NULLS LAST, queued_at DESC)
       UNION
       (SELECT DISTINCT ON (connector_id, entity, mode) id FROM snapshot_runs WHERE status = 'complete'
        ORDER BY connector_id, entity, mode, finished_at DESC NULLS LAST, queued_at DESC)
       UNION
       (SELECT DISTINCT ON (connector_id, entity) id FROM snapshot_runs r
        WHERE status IN ('complete', 'partial', 'failed') AND ${WHOLE_ENTITY_RUN}
        ORDER BY connector_id, entity, finished_at DESC NULLS LAST, queued_at DESC)
       UNION
       (SELECT DISTINCT ON (connector_id, entity) id FROM snapshot_runs r
        WHERE status = 'complete' AND watermark IS NOT NULL AND ${WHOLE_ENTITY_RUN}
        ORDER BY connector_id, entity, watermark DESC)`,
    );
    return this.inBatches(
      `WITH gone AS (
         DELETE FROM snapshot_runs WHERE id IN (
           SELECT id FROM snapshot_runs
           WHERE queued_at < $1 AND finished_at < $1 AND id <> ALL($2::uuid[])
             AND (status = 'complete' OR (status IN ('partial', 'failed') AND purged_at IS NOT NULL))
           ORDER BY queued_at LIMIT $3)
         RETURNING connector_id, entity, status, rows_written
       ), counted AS (
         INSERT INTO pruned_run_totals (kind, system, entity, status, runs, rows)
         SELECT 'snapshot', connector_id, entity, status, count(*),
           coalesce(sum(rows_written) FILTER (WHERE status = 'complete'), 0)
         FROM gone GROUP BY connector_id, entity, status
         ON CONFLICT (kind, system, entity, status)
           DO UPDATE SET runs = pruned_run_totals.runs + excluded.runs, rows = pruned_run_totals.rows + excluded.rows
       )
       SELECT count(*)::integer AS n FROM gone`,
      [cutoff, kept.map((k) => k.id)],
    );
  }

  /** Alert deliveries recorded before `cutoff` (the alerts page's history; alert states are separate). */
  async pruneAlertDeliveries(cutoff: Date): Promise<number> {
    return this.inBatches(
      `WITH gone AS (
         DELETE FROM alert_deliveries WHERE id IN (
           SELECT id FROM alert_deliveries WHERE created_at < $1 ORDER BY id LIMIT $2)
         RETURNING 1
       )
       SELECT count(*)::integer AS n FROM gone`,
      [cutoff],
    );
  }

  /** Audit entries before `cutoff`: those of received connector events, or every other one. */
  async pruneAuditLog(cutoff: Date, entries: 'connector-events' | 'others'): Promise<number> {
    const which = entries === 'connector-events' ? 'action = ANY($2::text[])' : 'action <> ALL($2::text[])';
    return this.inBatches(
      `WITH gone AS (
         DELETE FROM audit_log WHERE id IN (
           SELECT id FROM audit_log WHERE at < $1 AND ${which} ORDER BY at LIMIT $3)
         RETURNING 1
       )
       SELECT count(*)::integer AS n FROM gone`,
      [cutoff, CONNECTOR_EVENT_ACTIONS],
    );
  }

  /** Runs `statement` (its last parameter the batch size) until a batch deletes less than a full one. */
  private async inBatches(statement: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const [{ n }] = await this.dataSource.query<{ n: number }[]>(statement, [...params, this.batchSize]);
      total += n;
      if (n < this.batchSize) return total;
    }
  }
}
