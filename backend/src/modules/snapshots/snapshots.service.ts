import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  concatMap,
  distinctUntilChanged,
  from,
  interval,
  map,
  Observable,
  startWith,
  switchMap,
  takeUntil,
  takeWhile,
  timer,
} from 'rxjs';
import type { EntityKind } from '../../connectors/canonical-model';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { InvalidJobPayloadError, parseJobPayload, type JobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import { CONNECTOR_RESOLVER, type ConnectorResolver } from './snapshot-connectors';
import { scheduledJobId, type SnapshotSchedule } from './snapshot-config';
import { progressOf } from './snapshot-progress';
import type { RunningProgress, SnapshotProgress, SnapshotRunView } from './snapshot.dto';
import { RunStatus, SnapshotRunEntity, TERMINAL_STATUSES } from './snapshot-run.entity';
import { SnapshotRunsRepository } from './snapshot-runs.repository';
import { SnapshotEventWindowsRepository } from './snapshot-event-windows.repository';

export interface SnapshotRequest {
  connectorId: string;
  entity: EntityKind;
  mode: 'full' | 'incremental';
  keys?: string[];
  trigger: 'api' | 'cli' | 'event';
}

export interface EnqueuedSnapshot {
  runId: string;
  jobId: string;
}

/** Change events coalesced into a window: its job takes every key the window collected once it closes. */
export interface QueuedEventWindow {
  jobId: string;
  closesAt: Date;
}

export class InvalidSnapshotRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSnapshotRequestError';
  }
}

export const MAX_TARGETED_KEYS = 10_000;
const PROGRESS_POLL_MS = 500;
/** A window's job starts this long after the window ends, so adds in flight at its end still land in it. */
const EVENT_WINDOW_GRACE_MS = 500;
/** Each refusal means a window's job already ran; far more than a few in a row means something is wrong. */
const EVENT_WINDOW_MAX_TRIES = 10;
/** A stream of all running snapshots ends after this; clients reconnect (SSE `retry`). */
export const RUNNING_STREAM_MAX_MS = 10 * 60_000;

export function eventWindowJobId(connectorId: string, entity: EntityKind, start: number): string {
  return `snapshot:${connectorId}:${entity}:incremental:event-window:${start}`;
}

/** Snapshot requests (API, CLI, events, schedules) and the read side of snapshot runs. */
@Injectable()
export class SnapshotsService {
  constructor(
    private readonly runs: SnapshotRunsRepository,
    private readonly jobs: JobEnqueuer,
    @Inject(CONNECTOR_RESOLVER) private readonly connectors: ConnectorResolver,
    private readonly windows: SnapshotEventWindowsRepository,
  ) {}

  /** Records a queued run and enqueues its job; the worker picks it up under the connector's limit. */
  async request(request: SnapshotRequest): Promise<EnqueuedSnapshot> {
    // Fails with UnknownConnectorError before anything is queued.
    await this.connectors.get(request.connectorId);
    const keys = request.keys ? [...new Set(request.keys)].sort() : undefined;
    if (keys && keys.length === 0) throw new InvalidSnapshotRequestError('keys, when given, must not be empty');
    // A full snapshot is the system's whole state (absent keys are deleted, runs may read it alone):
    // one of a few keys would be taken for all of it.
    if (keys && request.mode === 'full') {
      throw new InvalidSnapshotRequestError('keys are for incremental snapshots; a full snapshot reads every record');
    }
    if (keys && keys.length > MAX_TARGETED_KEYS) {
      throw new InvalidSnapshotRequestError(`at most ${MAX_TARGETED_KEYS} keys per targeted snapshot`);
    }
    const runId = randomUUID();
    const jobId = `snapshot:${request.connectorId}:${request.entity}:${request.mode}:run:${runId}`;
    let payload: JobPayload<typeof QUEUE.snapshot>;
    try {
      // Validated before the run is recorded, so a bad request leaves no queued run behind.
      payload = parseJobPayload(QUEUE.snapshot, {
        connectorId: request.connectorId,
        entity: request.entity,
        mode: request.mode,
        keys,
        trigger: request.trigger,
        runId,
      });
    } catch (error) {
      if (error instanceof InvalidJobPayloadError) throw new InvalidSnapshotRequestError(error.message);
      throw error;
    }
    await this.runs.createQueued({ ...request, keys, jobId }, runId);
    await this.jobs.enqueue(QUEUE.snapshot, payload, { jobId });
    return { runId, jobId };
  }

  /**
   * A change notification (the WMS webhook, a CDC event) names the records that changed: snapshot
   * just those, incrementally, so drift shows within a minute rather than at the next schedule.
   */
  snapshotKeys(connectorId: string, entity: EntityKind, keys: string[]): Promise<EnqueuedSnapshot> {
    return this.request({ connectorId, entity, mode: 'incremental', keys, trigger: 'event' });
  }

  /**
   * Like snapshotKeys, but coalesced: the keys join the current window of `windowMs` for this connector
   * and entity (window start = floor(now / windowMs)), whose one delayed job (deterministic id, so every
   * API process adds to the same one) snapshots all of the window's keys after it ends. A window whose
   * job has already taken its keys refuses the add, and the keys go to the next window.
   */
  async snapshotKeysInWindow(
    connectorId: string,
    entity: EntityKind,
    keys: string[],
    windowMs: number,
  ): Promise<QueuedEventWindow> {
    await this.connectors.get(connectorId);
    const unique = [...new Set(keys)];
    if (unique.length === 0) throw new InvalidSnapshotRequestError('keys, when given, must not be empty');
    let start = Math.floor(Date.now() / windowMs) * windowMs;
    for (let tries = 0; tries < EVENT_WINDOW_MAX_TRIES; tries += 1, start += windowMs) {
      const jobId = eventWindowJobId(connectorId, entity, start);
      const closesAt = start + windowMs;
      // The job first: should adding the keys then fail, the event is refused and its retry lands here again.
      await this.jobs.enqueue(
        QUEUE.snapshot,
        { connectorId, entity, mode: 'incremental', trigger: 'event', eventWindow: { start, windowMs } },
        { jobId, delay: Math.max(0, closesAt + EVENT_WINDOW_GRACE_MS - Date.now()) },
      );
      if (await this.windows.add(connectorId, entity, start, unique)) return { jobId, closesAt: new Date(closesAt) };
    }
    throw new Error(
      `change event window of ${connectorId} ${entity}: ${EVENT_WINDOW_MAX_TRIES} windows in a row closed`,
    );
  }

  /** The run of a snapshot job once it has started (the latest, if it was retried). */
  async runOfJob(jobId: string): Promise<SnapshotRunEntity | null> {
    return this.runs.latestOfJob(jobId);
  }

  /** Enqueues the run of one schedule slot; the job id makes a second firing of that slot a no-op. */
  async enqueueScheduled(schedule: SnapshotSchedule, slot: Date): Promise<string> {
    const jobId = scheduledJobId(schedule, slot);
    await this.jobs.enqueue(
      QUEUE.snapshot,
      { connectorId: schedule.connectorId, entity: schedule.entity, mode: schedule.mode, trigger: 'schedule' },
      { jobId },
    );
    return jobId;
  }

  async get(id: string): Promise<SnapshotRunEntity> {
    const run = await this.runs.findById(id);
    if (!run) throw new NotFoundException(`snapshot run ${id} not found`);
    return run;
  }

  /** A run as the API shows it, with its progress figures. */
  async view(id: string): Promise<SnapshotRunView> {
    return runView(await this.get(id));
  }

  async list(
    filter: { connectorId?: string; entity?: string; status?: RunStatus },
    limit: number,
  ): Promise<SnapshotRunView[]> {
    const now = new Date();
    return (await this.runs.list(filter, limit)).map((run) => runView(run, now));
  }

  /**
   * Live progress of every queued and running snapshot (optionally one connector's), polled from
   * Postgres so it works across processes. A run that ends is sent once more with its final status.
   * The stream ends when nothing is queued or running (at once when idle), and after
   * RUNNING_STREAM_MAX_MS at the latest; the dashboard reconnects to watch for new runs.
   */
  running$(connectorId?: string): Observable<RunningProgress> {
    const seen = new Set<string>();
    const poll = async (): Promise<RunningProgress> => {
      const active = await this.runs.active(connectorId);
      const activeIds = new Set(active.map((r) => r.id));
      const ended = await Promise.all([...seen].filter((id) => !activeIds.has(id)).map((id) => this.runs.findById(id)));
      for (const run of ended) if (run) seen.delete(run.id);
      for (const run of active) seen.add(run.id);
      const runs = [...active, ...ended.filter((r): r is SnapshotRunEntity => r !== null)].map((r) => progressOf(r));
      return { runs, active: active.length };
    };
    const fingerprint = (p: RunningProgress) =>
      p.runs.map((r) => `${r.runId}:${r.status}:${r.rowsRead}:${r.rowsWritten}:${r.rejects}:${r.total}`).join('|');
    return interval(PROGRESS_POLL_MS).pipe(
      startWith(0),
      takeUntil(timer(RUNNING_STREAM_MAX_MS)),
      concatMap(() => from(poll())),
      distinctUntilChanged((a, b) => fingerprint(a) === fingerprint(b)),
      takeWhile((p) => p.active > 0, true),
    );
  }

  /** Live progress of a run until it ends (polled from Postgres, so it works across processes). */
  progress$(id: string): Observable<SnapshotProgress> {
    return interval(PROGRESS_POLL_MS).pipe(
      startWith(0),
      switchMap(() => from(this.get(id))),
      map((run) => progressOf(run)),
      distinctUntilChanged(
        (a, b) =>
          a.status === b.status &&
          a.rowsRead === b.rowsRead &&
          a.rowsWritten === b.rowsWritten &&
          a.rejects === b.rejects,
      ),
      takeWhile((p) => !TERMINAL_STATUSES.includes(p.status), true),
    );
  }
}

const iso = (at: Date | null): string | null => at?.toISOString() ?? null;

function runView(run: SnapshotRunEntity, now = new Date()): SnapshotRunView {
  return {
    id: run.id,
    connectorId: run.connectorId,
    entity: run.entity,
    mode: run.mode,
    trigger: run.trigger,
    status: run.status,
    keys: run.keys,
    jobId: run.jobId,
    attempt: run.attempt,
    replacesRunId: run.replacesRunId,
    since: iso(run.since),
    watermark: iso(run.watermark),
    cursor: run.cursor,
    rowsRead: run.rowsRead,
    rowsWritten: run.rowsWritten,
    rejects: run.rejects,
    deletedKeys: run.deletedKeys,
    total: run.total,
    rowsPerS: run.rowsPerS,
    durationMs: run.durationMs,
    error: run.error,
    queuedAt: run.queuedAt.toISOString(),
    startedAt: iso(run.startedAt),
    heartbeatAt: iso(run.heartbeatAt),
    finishedAt: iso(run.finishedAt),
    purgedAt: iso(run.purgedAt),
    progress: progressOf(run, now),
  };
}
