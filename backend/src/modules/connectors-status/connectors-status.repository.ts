import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { SnapshotRunEntity } from '../snapshots/snapshot-run.entity';

/** The latest run of one connector and entity in some state, as the status page shows it. */
export interface RunSummary {
  runId: string;
  connectorId: string;
  entity: string;
  mode: string;
  status: string;
  rowsWritten: number;
  rowsPerS: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

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

const toSummary = (r: RunRecord): RunSummary => ({
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

/** Reads of `snapshot_runs` for connector health, freshness and throughput. */
@Injectable()
export class ConnectorsStatusRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Per connector and entity: the latest complete run (any mode) and the latest complete full run. */
  async latestComplete(connectorIds: readonly string[]): Promise<{ any: RunSummary[]; full: RunSummary[] }> {
    const query = (full: boolean) =>
      this.dataSource.query<RunRecord[]>(
        `SELECT DISTINCT ON (connector_id, entity) ${RUN_COLUMNS} FROM snapshot_runs
         WHERE connector_id = ANY($1::text[]) AND status = 'complete' ${full ? "AND mode = 'full'" : ''}
         ORDER BY connector_id, entity, snapshot_runs.finished_at DESC NULLS LAST, snapshot_runs.id`,
        [[...connectorIds]],
      );
    const [any, full] = await Promise.all([query(false), query(true)]);
    return { any: any.map(toSummary), full: full.map(toSummary) };
  }

  /** Per connector and entity: the latest finished run whatever its outcome (shows a failing source). */
  async latestFinished(connectorIds: readonly string[]): Promise<RunSummary[]> {
    const rows = await this.dataSource.query<RunRecord[]>(
      `SELECT DISTINCT ON (connector_id, entity) ${RUN_COLUMNS} FROM snapshot_runs
       WHERE connector_id = ANY($1::text[]) AND status IN ('complete', 'partial', 'failed')
       ORDER BY connector_id, entity, snapshot_runs.finished_at DESC NULLS LAST, snapshot_runs.id`,
      [[...connectorIds]],
    );
    return rows.map(toSummary);
  }

  /** Rows per second of the last `runs` complete runs that read rows, per connector and entity. */
  async throughput(connectorIds: readonly string[], runs: number): Promise<Throughput[]> {
    const rows = await this.dataSource.query<
      { connector_id: string; entity: string; runs: string; rows_per_s: number | null }[]
    >(
      `SELECT connector_id, entity, count(*) AS runs,
         sum(rows_read)::float8 / nullif(sum(extract(epoch FROM finished_at - started_at)), 0) AS rows_per_s
       FROM (
         SELECT connector_id, entity, rows_read, started_at, finished_at,
           row_number() OVER (PARTITION BY connector_id, entity ORDER BY finished_at DESC) AS n
         FROM snapshot_runs
         WHERE connector_id = ANY($1::text[]) AND status = 'complete' AND rows_read > 0
           AND started_at IS NOT NULL AND finished_at IS NOT NULL
       ) recent WHERE n <= $2 GROUP BY connector_id, entity`,
      [[...connectorIds], runs],
    );
    return rows.map((r) => ({
      connectorId: r.connector_id,
      entity: r.entity,
      runs: Number(r.runs),
      rowsPerS: r.rows_per_s === null ? null : Math.round(Number(r.rows_per_s)),
    }));
  }

  /** Runs queued or running now (the running ones with their progress counters). */
  activeRuns(connectorIds: readonly string[]): Promise<SnapshotRunEntity[]> {
    return this.dataSource.getRepository(SnapshotRunEntity).find({
      where: { connectorId: In([...connectorIds]), status: In(['running', 'queued']) },
      order: { queuedAt: 'ASC' },
    });
  }
}
