import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ConfigService } from '../../config/config.service';
import { CronRegistrations } from '../../queues/cron-registrations';
import { parseSchedules, type SnapshotSchedule } from './snapshot-config';
import { SnapshotsService } from './snapshots.service';

/**
 * Registers one cron job per configured (connector, entity, mode). A tick only enqueues a job whose
 * id names the slot, so several schedulers (or a tick that fires twice) still run a slot once.
 */
@Injectable()
export class SnapshotCronSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SnapshotCronSchedule.name);
  private readonly crons: CronRegistrations;

  constructor(
    registry: SchedulerRegistry,
    private readonly snapshots: SnapshotsService,
    private readonly config: ConfigService,
  ) {
    this.crons = new CronRegistrations(registry);
  }

  onApplicationBootstrap(): void {
    for (const schedule of parseSchedules(this.config.get('SNAPSHOT_SCHEDULES'))) {
      const name = `snapshot:${schedule.connectorId}:${schedule.entity}:${schedule.mode}`;
      this.crons.add(name, schedule.cron, () => this.tick(schedule));
      this.logger.log(`scheduled ${name} at "${schedule.cron}" (UTC)`);
    }
  }

  onApplicationShutdown(): void {
    this.crons.removeAll();
  }

  async tick(schedule: SnapshotSchedule, slot: Date = new Date()): Promise<void> {
    try {
      const jobId = await this.snapshots.enqueueScheduled(schedule, slot);
      this.logger.debug(`enqueued ${jobId}`);
    } catch (error) {
      this.logger.error(
        `could not enqueue the ${schedule.connectorId}/${schedule.entity} ${schedule.mode} snapshot: ${String(error)}`,
      );
    }
  }
}
