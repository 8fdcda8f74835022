import { Injectable, Logger } from '@nestjs/common';
import { CorrectiveSyncQueues } from './corrective-sync-queues';
import { FIXUP_STATES } from './fixup-task';
import { FixupsRepository } from './fixups.repository';
import { FixupsMetrics } from './fixups.metrics';

const SWEEP_LIMIT = 2000;

/**
 * Keeps Postgres (the truth about tasks) and Bull (the work) in step: a queued task whose job is
 * missing (enqueue lost in a crash, Redis data lost) gets it re-added under the same job id; a task
 * whose job Bull failed for good (stalled too often) is dead-lettered with Bull's reason. Also
 * refreshes the per-state gauge.
 */
@Injectable()
export class FixupsSweeper {
  private readonly logger = new Logger(FixupsSweeper.name);

  constructor(
    private readonly tasks: FixupsRepository,
    private readonly queues: CorrectiveSyncQueues,
    private readonly metrics: FixupsMetrics,
  ) {}

  async sweep(): Promise<{ requeued: number; deadLettered: number }> {
    let requeued = 0;
    let deadLettered = 0;
    const missing: { id: string; targetSystem: string; jobGeneration: number }[] = [];
    for (const task of await this.tasks.stranded(SWEEP_LIMIT)) {
      const job = await this.queues.job(task.targetSystem, task.id, task.jobGeneration);
      if (!job) {
        missing.push(task);
        continue;
      }
      if (!(await job.isFailed())) continue;
      const moved = await this.tasks.transition({
        ids: [task.id],
        from: ['queued', 'applying', 'verifying'],
        to: 'dead_lettered',
        actor: 'fixups:sweeper',
        reason: `job failed for good: ${job.failedReason ?? 'unknown reason'}`,
        patch: { lastError: job.failedReason ?? null, claim: null, finished: true },
      });
      deadLettered += moved.length;
    }
    if (missing.length > 0) {
      await this.queues.enqueue(missing);
      requeued = missing.length;
      this.logger.warn(`re-added ${requeued} corrective-sync jobs that were missing from Redis`);
    }
    this.metrics.setStates(await this.tasks.countByState(), FIXUP_STATES);
    return { requeued, deadLettered };
  }
}
