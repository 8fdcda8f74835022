import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigService } from '../../config/config.service';
import { JobPayload, parseJobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import { SnapshotCompanionsService, type CompanionRead } from './snapshot-companions.service';
import { SnapshotEventWindowsRepository } from './snapshot-event-windows.repository';
import { ConnectorBusyError, SnapshotRunnerService } from './snapshot-runner.service';

const BUSY_RETRY_MS = 2_000;
const BUSY_GIVE_UP_MS = 60 * 60_000;

/**
 * Worker side of the `snapshot` queue. Bull retries a failed job with backoff (job-defaults); every
 * attempt is a new run that replaces the failed one. A job whose connector is at its concurrency
 * limit waits for a slot instead of burning an attempt.
 */
@Injectable()
export class SnapshotProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SnapshotProcessor.name);
  private readonly inFlight = new Set<AbortController>();

  constructor(
    @InjectQueue(QUEUE.snapshot) private readonly queue: Queue,
    private readonly runner: SnapshotRunnerService,
    private readonly config: ConfigService,
    private readonly windows: SnapshotEventWindowsRepository,
    private readonly companions: SnapshotCompanionsService,
  ) {}

  onApplicationBootstrap(): void {
    this.queue
      .process(this.config.get('SNAPSHOT_WORKER_CONCURRENCY'), (job: Job<unknown>) => this.handle(job))
      .catch((error: unknown) => this.logger.error(`snapshot queue processing stopped: ${String(error)}`));
  }

  onApplicationShutdown(): void {
    // Running snapshots end as `partial` and their rows are purged; Bull retries the job elsewhere.
    for (const controller of this.inFlight) controller.abort(new Error('worker shutting down'));
  }

  async handle(job: Job<unknown>): Promise<{ runId: string | null; status: string; companions?: CompanionRead[] }> {
    let payload: JobPayload<typeof QUEUE.snapshot> = parseJobPayload(QUEUE.snapshot, job.data);
    if (payload.eventWindow && !payload.keys) {
      // The window has ended: close it and take its keys. Recorded on the job, so that a retry and
      // the completion listener (a targeted reconciliation) see the keys this snapshot was of.
      const { start } = payload.eventWindow;
      const keys = await this.windows.take(payload.connectorId, payload.entity, start);
      if (keys.length === 0) return { runId: null, status: 'no-keys' };
      payload = { ...payload, keys };
      await job.update(payload);
    }
    const controller = new AbortController();
    this.inFlight.add(controller);
    const deadline = Date.now() + BUSY_GIVE_UP_MS;
    try {
      for (;;) {
        try {
          const run = await this.runner.execute(
            {
              connectorId: payload.connectorId,
              entity: payload.entity,
              mode: payload.mode,
              trigger: payload.trigger,
              keys: payload.keys,
              jobId: String(job.id),
            },
            {
              queuedRunId: payload.runId,
              attempt: job.attemptsMade + 1,
              signal: controller.signal,
              onProgress: (progress) => {
                job.progress(progress).catch(() => undefined);
              },
            },
          );
          if (run.status !== 'complete' || payload.trigger !== 'event' || !payload.keys?.length) {
            return { runId: run.id, status: run.status };
          }
          // Before the completion listener queues the targeted run: the other systems' copies, read now.
          const companions = await this.companions.readAfter(
            { runId: run.id, connectorId: payload.connectorId, entity: payload.entity, jobId: String(job.id) },
            controller.signal,
          );
          return { runId: run.id, status: run.status, companions };
        } catch (error) {
          if (!(error instanceof ConnectorBusyError) || Date.now() > deadline) throw error;
          await sleep(BUSY_RETRY_MS, undefined, { signal: controller.signal });
        }
      }
    } finally {
      this.inFlight.delete(controller);
    }
  }
}
