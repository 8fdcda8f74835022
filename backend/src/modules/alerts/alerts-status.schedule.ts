import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { ConfigService } from '../../config/config.service';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';

const NAME = 'alerts:status';

/** Enqueues the SLA / connector alert check; one job per slot (deterministic id), so two schedulers fire it once. */
@Injectable()
export class AlertsStatusSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertsStatusSchedule.name);
  private started = false;
  /** Slots are whole minutes, or whole seconds for a six-field (seconds) expression. */
  private slotMs = 60_000;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly jobs: JobEnqueuer,
    private readonly config: ConfigService,
  ) {}

  onApplicationBootstrap(): void {
    // ALERTS_STATUS_SCHEDULE: SLA and connector alert rules are checked this often (UTC).
    const cronTime = this.config.get('ALERTS_STATUS_SCHEDULE');
    if (!cronTime) return;
    this.slotMs = cronTime.split(/\s+/).length === 6 ? 1000 : 60_000;
    const job = CronJob.from({
      cronTime,
      onTick: () => void this.tick(),
      start: false,
      timeZone: 'UTC',
    });
    this.registry.addCronJob(NAME, job);
    job.start();
    this.started = true;
    this.logger.log(`alert status check scheduled at "${cronTime}" (UTC)`);
  }

  onApplicationShutdown(): void {
    if (!this.started) return;
    this.started = false;
    if (!this.registry.doesExist('cron', NAME)) return;
    void this.registry.getCronJob(NAME).stop();
    this.registry.deleteCronJob(NAME);
  }

  async tick(slot: Date = new Date()): Promise<void> {
    const at = new Date(Math.floor(slot.getTime() / this.slotMs) * this.slotMs).toISOString();
    try {
      await this.jobs.enqueue(QUEUE.alerts, { statusCheckAt: at }, { jobId: `alerts:status:${at}` });
    } catch (error) {
      this.logger.error(`could not enqueue the alert status check: ${String(error)}`);
    }
  }
}
