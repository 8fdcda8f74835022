import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ConfigService } from '../../config/config.service';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';
import { SlotSchedule } from '../../queues/slot-schedule';

/** Enqueues the retention pass (RETENTION_SCHEDULE), one job per slot. */
@Injectable()
export class RetentionSchedule extends SlotSchedule {
  constructor(
    registry: SchedulerRegistry,
    private readonly jobs: JobEnqueuer,
    config: ConfigService,
  ) {
    super(registry, 'retention', config.get('RETENTION_SCHEDULE'), 'the retention pass');
  }

  protected enqueue(slot: string): Promise<unknown> {
    return this.jobs.enqueue(QUEUE.retention, { scheduledAt: slot }, { jobId: `retention:${slot}` });
  }
}
