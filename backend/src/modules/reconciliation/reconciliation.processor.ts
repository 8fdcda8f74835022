import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JobPayload, parseJobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
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
  ) {}

  onApplicationBootstrap(): void {
    this.queue
      .process(1, (job: Job<unknown>) => this.handle(job))
      .catch((error: unknown) => this.logger.error(`reconcile queue processing stopped: ${String(error)}`));
  }

  async handle(job: Job<unknown>): Promise<Pick<RunSummary, 'runId' | 'status' | 'findingsTotal' | 'resolvedTotal'>> {
    const payload: JobPayload<typeof QUEUE.reconcile> = parseJobPayload(QUEUE.reconcile, job.data);
    const targeted =
      payload.entity !== undefined && (payload.keys !== undefined || payload.snapshotRunId !== undefined);
    const summary = await this.reconciliation.run({
      trigger: payload.trigger,
      ruleIds: payload.ruleIds,
      target:
        targeted && payload.entity
          ? { entity: payload.entity, keys: payload.keys, snapshotRunId: payload.snapshotRunId }
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
