import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ConfigService } from '../../config/config.service';
import { CronRegistrations } from '../../queues/cron-registrations';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';

const NAME = 'retention';

/** Enqueues the retention pass; one job per minute slot (deterministic id), so two schedulers fire it once. */
@Injectable()
export class RetentionSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSchedule.name);
  private readonly crons: CronRegistrations;

  constructor(
    registry: SchedulerRegistry,
    private readonly jobs: JobEnqueuer,
    private readonly config: ConfigService,
  ) {
    this.crons = new CronRegistrations(registry);
  }

  onApplicationBootstrap(): void {
    const cronTime = this.config.get('RETENTION_SCHEDULE');
    if (!cronTime) return;
    this.crons.add(NAME, cronTime, () => this.tick());
    this.logger.log(`retention pass scheduled at "${cronTime}" (UTC)`);
  }

  onApplicationShutdown(): void {
    this.crons.removeAll();
  }

  async tick(slot: Date = new Date()): Promise<void> {
    const at = new Date(Math.floor(slot.getTime() / 60_000) * 60_000).toISOString();
    try {
      await this.jobs.enqueue(QUEUE.retention, { scheduledAt: at }, { jobId: `retention:${at}` });
    } catch (error) {
      this.logger.error(`could not enqueue the retention pass: ${String(error)}`);
    }
  }
}
