import { getQueueToken } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, JobOptions, Queue } from 'bull';
import { JobPayload, parseJobPayload } from './job-payloads';
import { StaticQueueName } from './queue-names';

/** Typed, validated enqueue with a deterministic job id, so a schedule firing twice runs once. */
@Injectable()
export class JobEnqueuer {
  constructor(private readonly moduleRef: ModuleRef) {}

  async enqueue<Q extends StaticQueueName>(
    queue: Q,
    payload: JobPayload<Q>,
    options: JobOptions & { jobId: string },
  ): Promise<Job<JobPayload<Q>>> {
    const valid = parseJobPayload(queue, payload);
    return (this.queue(queue) as Queue<JobPayload<Q>>).add(valid, options);
  }

  queue(name: StaticQueueName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }
}
