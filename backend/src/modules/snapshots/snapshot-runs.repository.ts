import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import type { EntityKind } from '../../connectors/canonical-model';
import { RunStatus, SnapshotRunEntity } from './snapshot-run.entity';
import { WHOLE_ENTITY_RUN } from './snapshot-run-pairs';

export interface RunRequest {
  connectorId: string;
  entity: EntityKind;
  mode: 'full' | 'incremental';
  trigger: string;
  keys?: string[];
  jobId?: string;
}

export interface RunProgressUpdate {
  rowsRead: number;
  rowsWritten: number;
  rejects: number;
  cursor: string | null;
  total: number | null;
  watermark: Date | null;
}

export interface RunOutcome {
  status: Exclude<RunStatus, 'queued' | 'running'>;
  error?: string | null;
  rowsWritten?: number;
  rejects?: number;
  deletedKeys?: number;
  rowsPerS?: number | null;
  durationMs?: number;
}

/** The snapshot_runs table: the record of which snapshots exist and which of them are complete. */
@Injectable()
export class SnapshotRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get runs() {
    return this.dataSource.getRepository(SnapshotRunEntity);
  }

  async createQueued(request: RunRequest, id: string = randomUUID()): Promise<SnapshotRunEntity> {
    return this.runs.save(
      this.runs.create({
        id,
        connectorId: request.connectorId,
        entity: request.entity,
        mode: request.mode,
        trigger: request.trigger,
        status: 'queued',
        keys: request.keys ?? null,
        jobId: request.jobId ?? null,
        queuedAt: new Date(),
      }),
    );
  }

  /** The latest run of a job (a retried job's attempts are separate runs), or null before it starts. */
  latestOfJob(jobId: string): Promise<SnapshotRunEntity | null> {
    return this.runs.findOne({ where: { jobId }, order: { queuedAt: 'DESC' } });
  }

  async setJobId(id: string, jobId: string): Promise<void> {
    await this.runs.update({ id }, { jobId });
  }

  findById(id: string): Promise<SnapshotRunEntity | null> {
    return this.runs.findOneBy({ id });
  }

  list(filter: { connectorId?: string; entity?: string; status?: RunStatus }, limit: number) {
    return this.runs.find({
      where: {
        ...(filter.connectorId ? { connectorId: filter.connectorId } : {}),
        ...(filter.entity ? { entity: filter.entity } : {}),
        ...(filter.status ? { status: filter.status } : {}),
      },
      order: { queuedAt: 'DESC' },
      take: limit,
    });
  }

  /** Runs queued or running now, oldest first (the live progress stream). */
  active(connectorId?: string): Promise<SnapshotRunEntity[]> {
    return this.runs.find({
      where: { status: In(['queued', 'running']), ...(connectorId ? { connectorId } : {}) },
      order: { queuedAt: 'ASC' },
      take: 500,
    });
  }

  /**
   * Starts a run if the connector has a free slot. Under a per-connector advisory lock: runs whose
   * worker stopped sending heartbeats are failed first (so a crashed worker never holds a slot or
   * leaves a run looking alive), then the running ones are counted against the limit.
   * `queuedRunId` is the run the API created; when it already ran (a retry of a failed attempt) a new
   * run replaces it. Returns null when the connector is at its limit.
   */
  async start(
    request: RunRequest & { queuedRunId?: string; attempt: number },
    limit: number,
    staleAfterMs: number,
  ): Promise<SnapshotRunEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`snapshot-runs:${request.connectorId}`]);
      await manager.query(
        `UPDATE snapshot_runs SET status = 'failed', finished_at = now(),
           error = 'worker stopped reporting progress (heartbeat older than ' || $2 || ' ms)'
         WHERE connector_id = $1 AND status = 'running' AND heartbeat_at < now() - ($2 || ' milliseconds')::interval`,
        [request.connectorId, String(staleAfterMs)],
      );
      const counted = await manager.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM snapshot_runs WHERE connector_id = $1 AND status = 'running'`,
        [request.connectorId],
      );
      const n = counted[0]?.n ?? 0;
      if (n >= limit) return null;
      const repo = manager.getRepository(SnapshotRunEntity);
      const now = new Date();
      const queued = request.queuedRunId ? await repo.findOneBy({ id: request.queuedRunId }) : null;
      if (queued?.status === 'queued') {
        await repo.update(
          { id: queued.id },
          { status: 'running', startedAt: now, heartbeatAt: now, attempt: request.attempt, jobId: request.jobId },
        );
        return repo.findOneByOrFail({ id: queued.id });
      }
      return repo.save(
        repo.create({
          id: randomUUID(),
          connectorId: request.connectorId,
          entity: request.entity,
          mode: request.mode,
          trigger: request.trigger,
          status: 'running',
          keys: request.keys ?? null,
          jobId: request.jobId ?? null,
          attempt: request.attempt,
          replacesRunId: queued?.id ?? null,
          queuedAt: queued?.queuedAt ?? now,
          startedAt: now,
          heartbeatAt: now,
        }),
      );
    });
  }

  async setSince(id: string, since: Date | null): Promise<void> {
    await this.runs.update({ id }, { since });
  }

  async progress(id: string, update: RunProgressUpdate): Promise<void> {
    await this.runs.update(
      { id, status: 'running' },
      {
        rowsRead: update.rowsRead,
        rowsWritten: update.rowsWritten,
        rejects: update.rejects,
        cursor: update.cursor,
        total: update.total,
        watermark: update.watermark,
        heartbeatAt: new Date(),
      },
    );
  }

  /** Ends a run; only a run still `running` changes, so a run failed as stale is not resurrected. */
  async finish(id: string, outcome: RunOutcome): Promise<boolean> {
    const result = await this.runs.update(
      { id, status: 'running' },
      {
        status: outcome.status,
        error: outcome.error ?? null,
        finishedAt: new Date(),
        ...(outcome.rowsWritten !== undefined ? { rowsWritten: outcome.rowsWritten } : {}),
        ...(outcome.rejects !== undefined ? { rejects: outcome.rejects } : {}),
        ...(outcome.deletedKeys !== undefined ? { deletedKeys: outcome.deletedKeys } : {}),
        ...(outcome.rowsPerS !== undefined ? { rowsPerS: outcome.rowsPerS } : {}),
        ...(outcome.durationMs !== undefined ? { durationMs: outcome.durationMs } : {}),
      },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Where the next incremental run starts: the newest source timestamp a complete whole-entity run saw.
   * Not a keyed run's (a change event's records): resuming from it would skip every other record's
   * changes made before it (keyed runs record no watermark since; older ones may hold one).
   */
  async lastCompleteWatermark(connectorId: string, entity: EntityKind): Promise<Date | null> {
    const rows = await this.dataSource.query<Array<{ w: Date | null }>>(
      // `watermark IS NOT NULL` (max ignores NULLs anyway) matches migration 0023's partial index: one
      // range, newest first, stepping over the few keyed runs since the last whole one.
      `SELECT max(watermark) AS w FROM snapshot_runs r
       WHERE connector_id = $1 AND entity = $2 AND status = 'complete' AND watermark IS NOT NULL AND ${WHOLE_ENTITY_RUN}`,
      [connectorId, entity],
    );
    return rows[0]?.w ?? null;
  }

  /**
   * Runs that did not complete and whose ClickHouse rows are not yet removed. The statuses are literals
   * so that the planner can match migration 0024's partial index of unpurged runs.
   */
  unpurged(connectorId: string, entity: EntityKind): Promise<SnapshotRunEntity[]> {
    return this.runs
      .createQueryBuilder('r')
      .where(`r.connector_id = :connectorId AND r.entity = :entity`, { connectorId, entity })
      .andWhere(`r.status IN ('failed', 'partial') AND r.purged_at IS NULL AND r.started_at IS NOT NULL`)
      .getMany();
  }

  async markPurged(id: string): Promise<void> {
    await this.runs.update({ id }, { purgedAt: new Date() });
  }
}
