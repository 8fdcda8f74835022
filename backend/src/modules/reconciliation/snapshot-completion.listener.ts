import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { parseJobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import { ReconciliationTriggerService } from './reconciliation-trigger.service';

/**
 * The hook from the snapshot pipeline: when this worker completes a snapshot job whose run ended
 * `complete`, a reconcile job is queued. Listening to the queue keeps the snapshot module unaware of
 * reconciliation.
 */
@Injectable()
export class SnapshotCompletionListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SnapshotCompletionListener.name);
  private readonly listener = (job: Job<unknown>, result: unknown) => void this.onCompleted(job, result);

  constructor(
    @InjectQueue(QUEUE.snapshot) private readonly snapshots: Queue,
    private readonly trigger: ReconciliationTriggerService,
  ) {}

  onApplicationBootstrap(): void {
    this.snapshots.on('completed', this.listener);
  }

  onApplicationShutdown(): void {
    this.snapshots.removeListener('completed', this.listener);
  }

  async onCompleted(job: Job<unknown>, result: unknown): Promise<void> {
    try {
      const outcome = result as { runId?: unknown; status?: unknown } | null;
      if (!outcome || outcome.status !== 'complete' || typeof outcome.runId !== 'string') return;
      const payload = parseJobPayload(QUEUE.snapshot, job.data);
      const jobId = await this.trigger.afterSnapshot({
        runId: outcome.runId,
        entity: payload.entity,
        targeted: payload.trigger === 'event' && (payload.keys?.length ?? 0) > 0,
      });
      this.logger.debug(`snapshot ${outcome.runId} complete: enqueued ${jobId}`);
    } catch (error) {
      this.logger.error(`could not enqueue a reconciliation after snapshot job ${String(job.id)}: ${String(error)}`);
    }
  }
}
