import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ConfigService } from '../../config/config.service';
import { CronRegistrations } from '../../queues/cron-registrations';
import { ReconciliationTriggerService } from './reconciliation-trigger.service';

const NAME = 'reconcile:schedule';

/** The scheduled full run; the tick only enqueues (deterministic job id per slot). */
@Injectable()
export class ReconciliationSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconciliationSchedule.name);
  private readonly crons: CronRegistrations;

  constructor(
    registry: SchedulerRegistry,
    private readonly trigger: ReconciliationTriggerService,
    private readonly config: ConfigService,
  ) {
    this.crons = new CronRegistrations(registry);
  }

  onApplicationBootstrap(): void {
    const cron = this.config.get('RECONCILIATION_SCHEDULE').trim();
    if (!cron) return;
    this.crons.add(NAME, cron, () => this.tick());
    this.logger.log(`scheduled reconciliation at "${cron}" (UTC)`);
  }

  onApplicationShutdown(): void {
    this.crons.removeAll();
  }

  async tick(slot: Date = new Date()): Promise<void> {
    try {
      await this.trigger.scheduled(slot);
    } catch (error) {
      this.logger.error(`could not enqueue the scheduled reconciliation: ${String(error)}`);
    }
  }
}
