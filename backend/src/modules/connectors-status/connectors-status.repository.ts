import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { COMPLETE_FULL_RUN, SNAPSHOT_RUN_PAIRS, WHOLE_ENTITY_RUN } from '../snapshots/snapshot-run-pairs';
import { SnapshotRunEntity } from '../snapshots/snapshot-run.entity';
import type { SnapshotRunSummaryDto } from './connectors-status.dto';

/** The latest run of one connector and entity in some state, as the status page shows it. */
export interface Throughput {
  connectorId: string;
  entity: string;
  runs: number;
  rowsPerS: number | null;
}

interface RunRecord {
  id: string;
  connector_id: string;
  entity: string;
  mode: string;
  status: string;
  rows_written: string;
  rows_per_s: number | null;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

const ts = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;
const RUN_COLUMNS = `id::text AS id, connector_id, entity, mode, status, rows_written, rows_per_s, ${ts('started_at')},
  ${ts('finished_at')}, error`;

const toSummary = (r: RunRecord): SnapshotRunSummaryDto => ({
  runId: r.id,
  connectorId: r.connector_id,
  entity: r.entity,
  mode: r.mode,
  status: r.status,
  rowsWritten: Number(r.rows_written),
  rowsPerS: r.rows_per_s === null ? null : Math.round(Number(r.rows_per_s)),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
});

// Whole-entity runs only: a busy webhook source's keyed runs would show it fresh with a few rows at a few
// rows a second, and hide its failing scheduled snapshots behind their successes.
const WHOLE_RUN = `AND ${WHOLE_ENTITY_RUN}`;

/** Reads of `snapshot_runs` for connector health, freshness and throughput: whole-entity runs only. */
@Injectable()
export class ConnectorsStatusRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Per connector and entity: the latest complete whole run (either mode) and the latest complete full run. */
  async latestComplete(
    connectorIds: readonly string[],
  ): Promise<{ any: SnapshotRunSummaryDto[]; full: SnapshotRunSummaryDto[] }> {
    const [any, full] = await Promise.all([
      this.latestPerPair(connectorIds, ['complete'], WHOLE_RUN),
      this.latestPerPair(connectorIds, ['complete'], `AND ${COMPLETE_FULL_RUN}`),
    ]);
    return { any, full };
  }

  /** Per connector and entity: the latest finished whole run whatever its outcome (shows a failing source). */
  latestFinished(connectorIds: readonly string[]): Promise<SnapshotRunSummaryDto[]> {
    return this.latestPerPair(connectorIds, ['complete', 'partial', 'failed'], WHOLE_RUN);
  }

  /** Rows per second of the last `runs` complete whole runs that read rows, per connector and entity. */
  async throughput(connectorIds: readonly string[], runs: number): Promise<Throughput[]> {
    const rows = await this.dataSource.query<
      { connector_id: string; entity: string; runs: string; rows_per_s: number | null }[]
    >(
      `WITH RECURSIVE ${SNAPSHOT_RUN_PAIRS}
       SELECT pairs.connector_id, pairs.entity, count(*) AS runs,
         sum(recent.rows_read)::float8 / nullif(sum(extract(epoch FROM recent.finished_at - recent.started_at)), 0) AS rows_per_s
       FROM pairs CROSS JOIN LATERAL (
         SELECT r.rows_read, r.started_at, r.finished_at FROM snapshot_runs r
         WHERE r.connector_id = pairs.connector_id AND r.entity = pairs.entity AND r.status = 'complete'
           AND r.rows_read > 0 AND r.started_at IS NOT NULL AND r.finished_at IS NOT NULL ${WHOLE_RUN}
         ORDER BY r.finished_at DESC LIMIT $2
       ) recent
       WHERE pairs.connector_id = ANY($1::text[])
       GROUP BY pairs.connector_id, pairs.entity`,
      [[...connectorIds], runs],
    );
    return rows.map((r) => ({
      connectorId: r.connector_id,
      entity: r.entity,
      runs: Number(r.runs),
      rowsPerS: r.rows_per_s === null ? null : Math.round(Number(r.rows_per_s)),
    }));
  }

  /**
   * Per connector and entity, the run in one of `statuses` that finished last (ties: the lowest id;
   * never finished: last of all). Each pair and status is one probe of `snapshot_runs_latest_idx`
   * (connector, entity, status, finished_at DESC): a DISTINCT ON over the runs read all of them, and
   * a busy webhook source adds a run per event.
   */
  private async latestPerPair(
    connectorIds: readonly string[],
    statuses: readonly string[],
    where = '',
  ): Promise<SnapshotRunSummaryDto[]> {
    const latest = (finished: boolean) => `(
         SELECT r.* FROM snapshot_runs r
         WHERE r.connector_id = pairs.connector_id AND r.entity = pairs.entity AND r.status = wanted.status
           AND r.finished_at IS ${finished ? 'NOT NULL' : 'NULL'} ${where}
         ORDER BY r.finished_at DESC, r.id LIMIT 1
       )`;
    const rows = await this.dataSource.query<RunRecord[]>(
      `WITH RECURSIVE ${SNAPSHOT_RUN_PAIRS}
       SELECT DISTINCT ON (connector_id, entity) ${RUN_COLUMNS}
       FROM (
         SELECT latest.* FROM pairs CROSS JOIN unnest($2::text[]) AS wanted(status)
           CROSS JOIN LATERAL (${latest(true)} UNION ALL ${latest(false)}) latest
         WHERE pairs.connector_id = ANY($1::text[])
       ) snapshot_runs
       ORDER BY connector_id, entity, snapshot_runs.finished_at DESC NULLS LAST, snapshot_runs.id`,
      [[...connectorIds], [...statuses]],
    );
    return rows.map(toSummary);
  }

  /** Runs queued or running now (the running ones with their progress counters). */
  activeRuns(connectorIds: readonly string[]): Promise<SnapshotRunEntity[]> {
    return this.dataSource.getRepository(SnapshotRunEntity).find({
      where: { connectorId: In([...connectorIds]), status: In(['running', 'queued']) },
      order: { queuedAt: 'ASC' },
    });
  }
}
