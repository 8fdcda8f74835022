import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ConfigService } from '../../config/config.service';
import { CronRegistrations } from '../../queues/cron-registrations';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';

const NAME = 'alerts:status';

/** Enqueues the SLA / connector alert check; one job per slot (deterministic id), so two schedulers fire it once. */
@Injectable()
export class AlertsStatusSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertsStatusSchedule.name);
  private readonly crons: CronRegistrations;
  /** Slots are whole minutes, or whole seconds for a six-field (seconds) expression. */
  private slotMs = 60_000;

  constructor(
    registry: SchedulerRegistry,
    private readonly jobs: JobEnqueuer,
    private readonly config: ConfigService,
  ) {
    this.crons = new CronRegistrations(registry);
  }

  onApplicationBootstrap(): void {
    // ALERTS_STATUS_SCHEDULE: SLA and connector alert rules are checked this often (UTC).
    const cronTime = this.config.get('ALERTS_STATUS_SCHEDULE');
    if (!cronTime) return;
    this.slotMs = cronTime.split(/\s+/).length === 6 ? 1000 : 60_000;
    this.crons.add(NAME, cronTime, () => this.tick());
    this.logger.log(`alert status check scheduled at "${cronTime}" (UTC)`);
  }

  onApplicationShutdown(): void {
    this.crons.removeAll();
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
