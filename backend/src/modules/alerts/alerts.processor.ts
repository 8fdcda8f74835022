import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { parseJobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import type { RunAlertOutcome } from './alerts.service';
import { DriftDigestService, type DigestOutcome } from './drift-digest.service';
import { RunAlertsService } from './run-alerts.service';
import { StatusAlertsService } from './status-alerts.service';

/**
 * Worker side of the `alerts` queue: after each complete reconciliation run, evaluates the alert
 * rules over that run's findings; also the scheduled SLA/connector checks and digests. A run completing on this worker enqueues its alerts job
 * (deterministic id per run), which keeps reconciliation unaware of alerting.
 */
@Injectable()
export class AlertsProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertsProcessor.name);
  private readonly onReconciled = (job: Job<unknown>, result: unknown) => void this.enqueueFor(job, result);

  constructor(
    @InjectQueue(QUEUE.alerts) private readonly queue: Queue,
    @InjectQueue(QUEUE.reconcile) private readonly reconcile: Queue,
    private readonly jobs: JobEnqueuer,
    private readonly runs: RunAlertsService,
    private readonly status: StatusAlertsService,
    private readonly digests: DriftDigestService,
  ) {}

  onApplicationBootstrap(): void {
    this.reconcile.on('completed', this.onReconciled);
    this.queue
      .process(1, (job: Job<unknown>) => this.handle(job))
      .catch((error: unknown) => this.logger.error(`alerts queue processing stopped: ${String(error)}`));
  }

  onApplicationShutdown(): void {
    this.reconcile.removeListener('completed', this.onReconciled);
  }

  private async enqueueFor(job: Job<unknown>, result: unknown): Promise<void> {
    const outcome = result as { runId?: unknown; status?: unknown } | null;
    if (!outcome || outcome.status !== 'complete' || typeof outcome.runId !== 'string') return;
    try {
      await this.jobs.enqueue(
        QUEUE.alerts,
        { reconciliationRunId: outcome.runId },
        { jobId: `alerts:${outcome.runId}` },
      );
    } catch (error) {
      this.logger.error(`could not enqueue alerts for reconciliation job ${String(job.id)}: ${String(error)}`);
    }
  }

  async handle(job: Job<unknown>): Promise<RunAlertOutcome | DigestOutcome | { skipped: string }> {
    const payload = parseJobPayload(QUEUE.alerts, job.data);
    if ('statusCheckAt' in payload) return this.status.evaluate(new Date(payload.statusCheckAt));
    if ('digestId' in payload) return this.digests.sendScheduled(payload.digestId, new Date(payload.digestAt));
    return this.evaluate(payload.reconciliationRunId);
  }

  evaluate(runId: string): Promise<RunAlertOutcome | { skipped: string }> {
    return this.runs.evaluate(runId);
  }
}
