import type { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

/**
 * The cron jobs one schedule registers with @nestjs/schedule (UTC) and removes again on shutdown.
 * Schedules only enqueue: a tick's errors are the tick's to log.
 */
export class CronRegistrations {
  private readonly names: string[] = [];

  constructor(private readonly registry: SchedulerRegistry) {}

  add(name: string, cronTime: string, onTick: () => Promise<void>): void {
    const job = CronJob.from({ cronTime, onTick: () => void onTick(), start: false, timeZone: 'UTC' });
    this.registry.addCronJob(name, job);
    job.start();
    this.names.push(name);
  }

  removeAll(): void {
    for (const name of this.names) {
      // @nestjs/schedule may already have stopped and removed every job during its own shutdown.
      if (!this.registry.doesExist('cron', name)) continue;
      void this.registry.getCronJob(name).stop();
      this.registry.deleteCronJob(name);
    }
    this.names.length = 0;
  }
}
