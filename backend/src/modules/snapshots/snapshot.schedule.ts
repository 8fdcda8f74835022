import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { ConfigService } from '../../config/config.service';
import { parseSchedules, type SnapshotSchedule } from './snapshot-config';
import { SnapshotsService } from './snapshots.service';

/**
 * Registers one cron job per configured (connector, entity, mode). A tick only enqueues a job whose
 * id names the slot, so several schedulers (or a tick that fires twice) still run a slot once.
 */
@Injectable()
export class SnapshotCronSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SnapshotCronSchedule.name);
  private readonly names: string[] = [];

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly snapshots: SnapshotsService,
    private readonly config: ConfigService,
  ) {}

  onApplicationBootstrap(): void {
    for (const schedule of parseSchedules(this.config.get('SNAPSHOT_SCHEDULES'))) {
      const name = `snapshot:${schedule.connectorId}:${schedule.entity}:${schedule.mode}`;
      const job = CronJob.from({
        cronTime: schedule.cron,
        onTick: () => void this.tick(schedule),
        start: false,
        timeZone: 'UTC',
      });
      this.registry.addCronJob(name, job);
      job.start();
      this.names.push(name);
      this.logger.log(`scheduled ${name} at "${schedule.cron}" (UTC)`);
    }
  }

  onApplicationShutdown(): void {
    for (const name of this.names) {
      // ScheduleModule may have stopped and removed its jobs first.
      if (!this.registry.doesExist('cron', name)) continue;
      void this.registry.getCronJob(name).stop();
      this.registry.deleteCronJob(name);
    }
    this.names.length = 0;
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
