import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import Bull, { type Job, type JobOptions, type Queue } from 'bull';
import { CORRECTIVE_SYNC_PAYLOAD, type CorrectiveSyncPayload } from '../../queues/job-payloads';
import { correctiveSyncQueue } from '../../queues/queue-names';
import { QueueRedisConnections } from '../../queues/queue-redis-connections';
import { FIXUPS_SETTINGS, type FixupsSettings } from './fixups-settings';

/** Retry delay of a corrective-sync job: the target's Retry-After when it named one, else equal-jitter backoff. */
export function correctiveSyncBackoff(
  attemptsMade: number,
  error: unknown,
  settings: { backoffBaseMs: number; backoffMaxMs: number },
  random: () => number = Math.random,
): number {
  const retryAfterMs = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  const ceiling = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.floor(ceiling / 2 + random() * (ceiling / 2));
  if (typeof retryAfterMs === 'number' && retryAfterMs > 0) {
    // Never earlier than the target asked; a little jitter after it so that waiting jobs do not return together.
    return Math.min(settings.backoffMaxMs, retryAfterMs) + Math.floor(random() * Math.min(1000, retryAfterMs / 4 + 1));
  }
  return jittered;
}

/**
 * One Bull queue per target connector (`corrective-sync:<id>`), each with attempts and jittered
 * exponential backoff (never earlier than the target's Retry-After).
 * Exhausted jobs stay in the failed set; their tasks are dead-lettered with the reason.
 */
@Injectable()
export class CorrectiveSyncQueues implements OnModuleDestroy {
  private readonly queues = new Map<string, Queue<CorrectiveSyncPayload>>();

  constructor(
    @Inject(FIXUPS_SETTINGS) private readonly settings: FixupsSettings,
    // Absent only where a queue is built by hand (the fix-ups benchmark): Bull then opens its own connections.
    @Optional() private readonly connections?: QueueRedisConnections,
  ) {}

  queue(connectorId: string): Queue<CorrectiveSyncPayload> {
    let queue = this.queues.get(connectorId);
    if (queue) return queue;
    const sync = this.settings.sync;
    // No Bull `limiter`: it limits job starts, not writes. The target's rate is enforced at the write
    // (WriteRateLimiter), counting records, shared by every worker.
    const connection = this.connections
      ? { createClient: this.connections.createClient }
      : { redis: this.settings.redisUrl };
    queue = new Bull<CorrectiveSyncPayload>(correctiveSyncQueue(connectorId), {
      ...connection,
      prefix: this.settings.queuePrefix,
      settings: {
        lockDuration: sync.lockMs,
        stalledInterval: Math.max(1000, Math.floor(sync.lockMs / 2)),
        // A worker killed mid-job is not the job's fault: let it be taken again a few times.
        maxStalledCount: 5,
        backoffStrategies: {
          jitter: (attemptsMade: number, error: unknown) => correctiveSyncBackoff(attemptsMade, error, sync),
        },
      },
    });
    this.connections?.track(queue);
    this.queues.set(connectorId, queue);
    return queue;
  }

  jobId(taskId: string, generation: number): string {
    return `fixup:${taskId}:${generation}`;
  }

  jobOptions(taskId: string, generation: number): JobOptions & { jobId: string } {
    return {
      jobId: this.jobId(taskId, generation),
      attempts: this.settings.sync.attempts,
      backoff: { type: 'jitter' },
      removeOnComplete: 1000,
      removeOnFail: false,
    };
  }

  /** Adds one job per task; a job id that exists already (any state) is left as it is. */
  async enqueue(tasks: readonly { id: string; targetSystem: string; jobGeneration: number }[]): Promise<void> {
    const byTarget = new Map<string, { id: string; jobGeneration: number }[]>();
    for (const t of tasks) {
      const group = byTarget.get(t.targetSystem);
      if (group) group.push(t);
      else byTarget.set(t.targetSystem, [t]);
    }
    for (const [target, items] of byTarget) {
      const queue = this.queue(target);
      for (let i = 0; i < items.length; i += 1000) {
        await queue.addBulk(
          items.slice(i, i + 1000).map((t) => ({
            data: CORRECTIVE_SYNC_PAYLOAD.parse({ taskId: t.id }),
            opts: this.jobOptions(t.id, t.jobGeneration),
          })),
        );
      }
    }
  }

  async job(targetSystem: string, taskId: string, generation: number): Promise<Job<CorrectiveSyncPayload> | null> {
    return this.queue(targetSystem).getJob(this.jobId(taskId, generation));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
