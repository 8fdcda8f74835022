import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bull';
import { parseCorrectiveSyncPayload, type CorrectiveSyncPayload } from '../../queues/job-payloads';
import { ApplyBatcher } from './apply-batcher';
import { DeadLetteredError, RetryableSyncError } from './corrective-sync-errors';
import { CorrectiveSyncQueues } from './corrective-sync-queues';
import { CorrectiveSyncService, type ApplyItem, type ItemResult } from './corrective-sync.service';
import { FIXUP_TARGETS, type FixupTargets } from './fixup-connectors';
import { FixupsSweeper } from './fixups-sweeper';
import { FIXUPS_SETTINGS, type FixupsSettings } from './fixups-settings';

/**
 * Worker side of the `corrective-sync:<connector>` queues: one processor per configured target, jobs
 * batched per target (see ApplyBatcher), and a periodic sweep that re-adds jobs for queued tasks that
 * have none and dead-letters tasks whose job Bull failed for good.
 */
@Injectable()
export class CorrectiveSyncProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CorrectiveSyncProcessor.name);
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queues: CorrectiveSyncQueues,
    private readonly sync: CorrectiveSyncService,
    private readonly sweeper: FixupsSweeper,
    @Inject(FIXUP_TARGETS) private readonly targets: FixupTargets,
    @Inject(FIXUPS_SETTINGS) private readonly settings: FixupsSettings,
  ) {}

  onApplicationBootstrap(): void {
    const { batchWindowMs, batchMax, sweepIntervalMs } = this.settings.sync;
    for (const id of this.targets.ids()) {
      const batcher = new ApplyBatcher<ApplyItem, ItemResult>(
        async (items) => {
          const results = await this.sync.applyBatch(id, items);
          return new Map(items.map((i) => [i, results.get(i.taskId)!]));
        },
        batchWindowMs,
        batchMax,
      );
      const queue = this.queues.queue(id);
      queue
        .process(jobConcurrency(this.settings.sync, id), (job: Job<CorrectiveSyncPayload>) =>
          this.handle(queue.name, job, batcher),
        )
        .catch((error: unknown) => this.logger.error(`${queue.name} processing stopped: ${String(error)}`));
    }
    if (sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweepOnce(), sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  async handle(
    queueName: string,
    job: Job<CorrectiveSyncPayload>,
    batcher: ApplyBatcher<ApplyItem, ItemResult>,
  ): Promise<{ state: string }> {
    const { taskId } = parseCorrectiveSyncPayload(queueName, job.data);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const result = await batcher.submit({ taskId, lastAttempt });
    switch (result.kind) {
      case 'finished':
        return { state: result.state };
      case 'retry':
        throw new RetryableSyncError(result.error, result.retryAfterMs);
      case 'dead_lettered':
        throw new DeadLetteredError(result.error);
    }
  }

  private async sweepOnce(): Promise<void> {
    try {
      await this.sweeper.sweep();
    } catch (error) {
      this.logger.error(`fix-up sweep failed: ${String(error)}`);
    }
  }
}

/**
 * Jobs one worker runs at once for a target: `FIXUPS_CONCURRENCY` (several full batches in flight), but
 * for a rate-limited target no more than it may write in a quarter of the lease. Tasks are claimed when
 * their batch starts and then wait for write slots; a claim must not run out while it waits (another
 * worker would take the task over).
 */
export function jobConcurrency(
  sync: Pick<FixupsSettings['sync'], 'concurrency' | 'leaseMs' | 'ratePerSecond'>,
  connectorId: string,
): number {
  const rate = sync.ratePerSecond(connectorId);
  if (rate <= 0) return sync.concurrency;
  return Math.max(1, Math.min(sync.concurrency, Math.floor((rate * sync.leaseMs) / 4000)));
}
