import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';
import { SlotSchedule } from '../../queues/slot-schedule';
import { AlertsService } from './alerts.service';

/** One digest's cron: each slot enqueues that digest once, whichever scheduler ticks first. */
class DigestSlots extends SlotSchedule {
  constructor(
    registry: SchedulerRegistry,
    private readonly jobs: JobEnqueuer,
    private readonly digestId: string,
    cron: string,
  ) {
    super(registry, `alerts:digest:${digestId}`, cron, `the ${digestId} digest`);
  }

  protected enqueue(slot: string): Promise<unknown> {
    return this.jobs.enqueue(
      QUEUE.alerts,
      { digestId: this.digestId, digestAt: slot },
      { jobId: `alerts:digest:${this.digestId}:${slot}` },
    );
  }
}

/** Registers the alert rules file's digests (`digests[].schedule`, UTC); the alerts worker sends them. */
@Injectable()
export class DriftDigestSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private slots: DigestSlots[] = [];

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly jobs: JobEnqueuer,
    private readonly alerts: AlertsService,
  ) {}

  onApplicationBootstrap(): void {
    this.slots = this.alerts.digests().map((d) => new DigestSlots(this.registry, this.jobs, d.id, d.schedule));
    for (const slot of this.slots) slot.onApplicationBootstrap();
  }

  onApplicationShutdown(): void {
    for (const slot of this.slots) slot.onApplicationShutdown();
  }
}
