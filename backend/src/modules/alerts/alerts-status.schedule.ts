import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ConfigService } from '../../config/config.service';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';
import { SlotSchedule } from '../../queues/slot-schedule';

/** Enqueues the SLA / connector alert check (ALERTS_STATUS_SCHEDULE), one job per slot. */
@Injectable()
export class AlertsStatusSchedule extends SlotSchedule {
  constructor(
    registry: SchedulerRegistry,
    private readonly jobs: JobEnqueuer,
    config: ConfigService,
  ) {
    super(registry, 'alerts:status', config.get('ALERTS_STATUS_SCHEDULE'), 'the alert status check');
  }

  protected enqueue(slot: string): Promise<unknown> {
    return this.jobs.enqueue(QUEUE.alerts, { statusCheckAt: slot }, { jobId: `alerts:status:${slot}` });
  }
}
