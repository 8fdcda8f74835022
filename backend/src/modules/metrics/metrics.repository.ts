import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUN_IS_FULL } from '../findings/seen-by-run';
import { SNAPSHOT_RUN_PAIRS, WHOLE_ENTITY_RUN } from '../snapshots/snapshot-run-pairs';

/** What the store-derived Prometheus metrics show, read in one go per scrape. */
export interface StoreFigures {
  open: { rule: string; severity: string; domain: string; system: string; kind: string; n: number }[];
  flow: { rule: string; opened: number; resolved: number }[];
  snapshotRuns: { system: string; entity: string; status: string; runs: number; rows: number }[];
  snapshotLatest: { system: string; entity: string; ageSeconds: number; durationSeconds: number | null }[];
  reconciliationRuns: { status: string; runs: number }[];
  ruleDurations: { rule: string; seconds: number }[];
}

/** Postgres reads for /metrics: the findings rollups (0008), snapshot and reconciliation run counts (0022, plus pruned totals, 0018). */
@Injectable()
export class MetricsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async figures(): Promise<StoreFigures> {
    const [open, flow, runs, latest, reconciliation, rules] = await Promise.all([
      this.dataSource.query<
        { rule_id: string; severity: string; domain: string; actual_system: string; kind: string; open: string }[]
      >(`SELECT rule_id, severity, domain, actual_system, kind, open FROM findings_open_counts WHERE open <> 0`),
      this.dataSource.query<{ rule_id: string; opened: string; resolved: string }[]>(
        `SELECT rule_id, sum(opened + reopened)::bigint AS opened, sum(resolved)::bigint AS resolved
         FROM findings_daily_flow GROUP BY rule_id`,
      ),
      this.dataSource.query<{ connector_id: string; entity: string; status: string; runs: string; rows: string }[]>(
        // Plus what runs deleted by the retention pass counted (migration 0018): totals never go down.
        // Counts kept by triggers (migration 0022; counting the runs took 1.0 s at 4M runs).
        `SELECT connector_id, entity, status, sum(runs)::bigint AS runs, sum(rows)::bigint AS rows FROM (
           SELECT system AS connector_id, entity, status, runs, rows
           FROM snapshot_run_counts WHERE status IN ('complete', 'partial', 'failed')
           UNION ALL
           SELECT system, entity, status, runs, rows FROM pruned_run_totals WHERE kind = 'snapshot'
         ) counted GROUP BY 1, 2, 3`,
      ),
      this.dataSource.query<{ connector_id: string; entity: string; age: number; duration: number | null }[]>(
        // One index probe per pair (a DISTINCT ON read every run: 3.9 s at 4M runs), of whole-entity
        // runs (migration 0020's index): a change event's keyed run says nothing of the rest's age.
        `WITH RECURSIVE ${SNAPSHOT_RUN_PAIRS}
         SELECT pairs.connector_id, pairs.entity,
           extract(epoch FROM now() - latest.finished_at)::float8 AS age,
           extract(epoch FROM latest.finished_at - latest.started_at)::float8 AS duration
         FROM pairs CROSS JOIN LATERAL (
           SELECT r.finished_at, r.started_at FROM snapshot_runs r
           WHERE r.connector_id = pairs.connector_id AND r.entity = pairs.entity
             AND r.status = 'complete' AND ${WHOLE_ENTITY_RUN} AND r.finished_at IS NOT NULL
           ORDER BY r.finished_at DESC NULLS LAST LIMIT 1
         ) latest`,
      ),
      this.dataSource.query<{ status: string; runs: string }[]>(
        `SELECT status, sum(runs)::bigint AS runs FROM (
           SELECT status, runs FROM reconciliation_run_counts
           UNION ALL
           SELECT status, runs FROM pruned_run_totals WHERE kind = 'reconciliation'
         ) counted GROUP BY status`,
      ),
      this.dataSource.query<{ rule: string; seconds: number }[]>(
        `SELECT r.key AS rule, ((r.value ->> 'durationMs')::float8 / 1000) AS seconds
         FROM (SELECT rule_counts FROM reconciliation_runs WHERE status = 'complete' AND ${RUN_IS_FULL}
               ORDER BY started_at DESC LIMIT 1) latest, jsonb_each(latest.rule_counts) r
         WHERE r.value ? 'durationMs'`,
      ),
    ]);
    return {
      open: open.map((r) => ({
        rule: r.rule_id,
        severity: r.severity,
        domain: r.domain,
        system: r.actual_system,
        kind: r.kind,
        n: Number(r.open),
      })),
      flow: flow.map((r) => ({ rule: r.rule_id, opened: Number(r.opened), resolved: Number(r.resolved) })),
      snapshotRuns: runs.map((r) => ({
        system: r.connector_id,
        entity: r.entity,
        status: r.status,
        runs: Number(r.runs),
        rows: Number(r.rows),
      })),
      snapshotLatest: latest.map((r) => ({
        system: r.connector_id,
        entity: r.entity,
        ageSeconds: Math.max(0, Number(r.age)),
        durationSeconds: r.duration === null ? null : Number(r.duration),
      })),
      reconciliationRuns: reconciliation.map((r) => ({ status: r.status, runs: Number(r.runs) })),
      ruleDurations: rules.map((r) => ({ rule: r.rule, seconds: Number(r.seconds) })),
    };
  }
}
