import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { parseJobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import { RetentionService, type RetentionOutcome } from './retention.service';

/** Worker side of the `retention` queue: one pass at a time (a failed one is retried by Bull). */
@Injectable()
export class RetentionProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionProcessor.name);

  constructor(
    @InjectQueue(QUEUE.retention) private readonly queue: Queue,
    private readonly retention: RetentionService,
  ) {}

  onApplicationBootstrap(): void {
    this.queue
      .process(1, (job: Job<unknown>) => this.handle(job))
      .catch((error: unknown) => this.logger.error(`retention queue processing stopped: ${String(error)}`));
  }

  handle(job: Job<unknown>): Promise<RetentionOutcome> {
    const payload = parseJobPayload(QUEUE.retention, job.data);
    return this.retention.apply(new Date(payload.scheduledAt));
  }
}
