import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { parseJobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import { StewardshipIntakeService, type IntakeOutcome } from './stewardship-intake.service';

/**
 * Worker side of the `stewardship` queue: after each complete reconciliation run, opens items from
 * that run's duplicate and presence findings. A run completing on this worker enqueues the job
 * (deterministic id per run), which keeps reconciliation unaware of stewardship.
 */
@Injectable()
export class StewardshipProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StewardshipProcessor.name);
  private readonly onReconciled = (job: Job<unknown>, result: unknown) => void this.enqueueFor(job, result);

  constructor(
    @InjectQueue(QUEUE.stewardship) private readonly queue: Queue,
    @InjectQueue(QUEUE.reconcile) private readonly reconcile: Queue,
    private readonly jobs: JobEnqueuer,
    private readonly intake: StewardshipIntakeService,
  ) {}

  onApplicationBootstrap(): void {
    this.reconcile.on('completed', this.onReconciled);
    this.queue
      .process(1, (job: Job<unknown>) => this.handle(job))
      .catch((error: unknown) => this.logger.error(`stewardship queue processing stopped: ${String(error)}`));
  }

  onApplicationShutdown(): void {
    this.reconcile.removeListener('completed', this.onReconciled);
  }

  private async enqueueFor(job: Job<unknown>, result: unknown): Promise<void> {
    const outcome = result as { runId?: unknown; status?: unknown } | null;
    if (!outcome || outcome.status !== 'complete' || typeof outcome.runId !== 'string') return;
    try {
      await this.jobs.enqueue(
        QUEUE.stewardship,
        { reconciliationRunId: outcome.runId },
        { jobId: `stewardship:${outcome.runId}` },
      );
    } catch (error) {
      this.logger.error(`could not enqueue stewardship for reconciliation job ${String(job.id)}: ${String(error)}`);
    }
  }

  async handle(job: Job<unknown>): Promise<IntakeOutcome> {
    const { reconciliationRunId } = parseJobPayload(QUEUE.stewardship, job.data);
    return this.intake.fromRun(reconciliationRunId);
  }
}
