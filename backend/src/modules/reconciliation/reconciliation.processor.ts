import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JobPayload, parseJobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import { ReconciliationEventBatchesRepository } from './reconciliation-event-batches.repository';
import { ReconciliationService, type RunSummary } from './reconciliation.service';

/**
 * Worker side of the `reconcile` queue, one run at a time (runs read and write the same findings).
 * A rule that fails is recorded in its run and does not fail the job (retrying would fail again);
 * a store that fails does, and Bull retries with backoff.
 */
@Injectable()
export class ReconciliationProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReconciliationProcessor.name);

  constructor(
    @InjectQueue(QUEUE.reconcile) private readonly queue: Queue,
    private readonly reconciliation: ReconciliationService,
    private readonly eventBatches: ReconciliationEventBatchesRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.queue
      .process(1, (job: Job<unknown>) => this.handle(job))
      .catch((error: unknown) => this.logger.error(`reconcile queue processing stopped: ${String(error)}`));
  }

  async handle(
    job: Job<unknown>,
  ): Promise<
    Pick<RunSummary, 'runId' | 'status' | 'findingsTotal' | 'resolvedTotal'> | { runId: null; status: 'no-snapshots' }
  > {
    let payload: JobPayload<typeof QUEUE.reconcile> = parseJobPayload(QUEUE.reconcile, job.data);
    if (payload.eventBatch !== undefined && payload.entity && !payload.snapshotRunIds) {
      // The batch's job has started: take every event snapshot it collected. Recorded on the job, so
      // that a retry runs the same ones.
      const snapshotRunIds = await this.eventBatches.take(payload.entity);
      if (snapshotRunIds.length === 0) return { runId: null, status: 'no-snapshots' };
      payload = { ...payload, snapshotRunIds };
      await job.update(payload);
    }
    const targeted =
      payload.entity !== undefined &&
      (payload.keys !== undefined || payload.snapshotRunId !== undefined || payload.snapshotRunIds !== undefined);
    const summary = await this.reconciliation.run({
      trigger: payload.trigger,
      ruleIds: payload.ruleIds,
      target:
        targeted && payload.entity
          ? {
              entity: payload.entity,
              keys: payload.keys,
              snapshotRunId: payload.snapshotRunId,
              snapshotRunIds: payload.snapshotRunIds,
            }
          : undefined,
      jobId: String(job.id),
    });
    return {
      runId: summary.runId,
      status: summary.status,
      findingsTotal: summary.findingsTotal,
      resolvedTotal: summary.resolvedTotal,
    };
  }
}
