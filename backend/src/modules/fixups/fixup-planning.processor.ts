import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { parseJobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import { FixupPlannerService, type PlanSummary } from './fixup-planner.service';

/**
 * Worker side of the `fixups` queue: after each finished reconciliation run (this worker's reconcile
 * queue reports `completed`), a planning job with a deterministic id per run turns the run's findings
 * into fix-up tasks. Reconciliation knows nothing of fix-ups.
 */
@Injectable()
export class FixupPlanningProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FixupPlanningProcessor.name);
  private readonly onReconciled = (job: Job<unknown>, result: unknown) => void this.enqueueFor(job, result);

  constructor(
    @InjectQueue(QUEUE.fixups) private readonly queue: Queue,
    @InjectQueue(QUEUE.reconcile) private readonly reconcile: Queue,
    private readonly jobs: JobEnqueuer,
    private readonly planner: FixupPlannerService,
  ) {}

  onApplicationBootstrap(): void {
    this.reconcile.on('completed', this.onReconciled);
    this.queue
      .process(1, (job: Job<unknown>) => this.handle(job))
      .catch((error: unknown) => this.logger.error(`fixups queue processing stopped: ${String(error)}`));
  }

  onApplicationShutdown(): void {
    this.reconcile.removeListener('completed', this.onReconciled);
  }

  async enqueueFor(job: Job<unknown>, result: unknown): Promise<void> {
    const outcome = result as { runId?: unknown } | null;
    if (!outcome || typeof outcome.runId !== 'string') return;
    try {
      await this.jobs.enqueue(
        QUEUE.fixups,
        { reconciliationRunId: outcome.runId },
        { jobId: `fixups:${outcome.runId}` },
      );
    } catch (error) {
      this.logger.error(`could not enqueue fix-up planning for reconciliation job ${String(job.id)}: ${String(error)}`);
    }
  }

  handle(job: Job<unknown>): Promise<PlanSummary> {
    const { reconciliationRunId } = parseJobPayload(QUEUE.fixups, job.data);
    return this.planner.planRun(reconciliationRunId);
  }
}
