import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { ConfigService } from '../../config/config.service';
import { ReconciliationTriggerService } from './reconciliation-trigger.service';

const NAME = 'reconcile:schedule';

/** The scheduled full run; the tick only enqueues (deterministic job id per slot). */
@Injectable()
export class ReconciliationSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconciliationSchedule.name);
  private started = false;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly trigger: ReconciliationTriggerService,
    private readonly config: ConfigService,
  ) {}

  onApplicationBootstrap(): void {
    const cron = this.config.get('RECONCILIATION_SCHEDULE').trim();
    if (!cron) return;
    const job = CronJob.from({ cronTime: cron, onTick: () => void this.tick(), start: false, timeZone: 'UTC' });
    this.registry.addCronJob(NAME, job);
    job.start();
    this.started = true;
    this.logger.log(`scheduled reconciliation at "${cron}" (UTC)`);
  }

  onApplicationShutdown(): void {
    if (!this.started) return;
    this.started = false;
    // @nestjs/schedule may already have stopped and removed every job during its own shutdown.
    if (!this.registry.doesExist('cron', NAME)) return;
    void this.registry.getCronJob(NAME).stop();
    this.registry.deleteCronJob(NAME);
  }

  async tick(slot: Date = new Date()): Promise<void> {
    try {
      await this.trigger.scheduled(slot);
    } catch (error) {
      this.logger.error(`could not enqueue the scheduled reconciliation: ${String(error)}`);
    }
  }
}
