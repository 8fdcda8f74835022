import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';

const NAME = 'alerts:status';
/** SLA and connector alert rules are checked this often (UTC). */
export const STATUS_CHECK_CRON = '*/5 * * * *';

/** Enqueues the SLA / connector alert check; one job per slot (deterministic id), so two schedulers fire it once. */
@Injectable()
export class AlertsStatusSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertsStatusSchedule.name);
  private started = false;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly jobs: JobEnqueuer,
  ) {}

  onApplicationBootstrap(): void {
    const job = CronJob.from({
      cronTime: STATUS_CHECK_CRON,
      onTick: () => void this.tick(),
      start: false,
      timeZone: 'UTC',
    });
    this.registry.addCronJob(NAME, job);
    job.start();
    this.started = true;
  }

  onApplicationShutdown(): void {
    if (!this.started) return;
    this.started = false;
    if (!this.registry.doesExist('cron', NAME)) return;
    void this.registry.getCronJob(NAME).stop();
    this.registry.deleteCronJob(NAME);
  }

  async tick(slot: Date = new Date()): Promise<void> {
    const at = new Date(Math.floor(slot.getTime() / 60_000) * 60_000).toISOString();
    try {
      await this.jobs.enqueue(QUEUE.alerts, { statusCheckAt: at }, { jobId: `alerts:status:${at}` });
    } catch (error) {
      this.logger.error(`could not enqueue the alert status check: ${String(error)}`);
    }
  }
}
