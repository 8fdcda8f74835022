import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ConfigService } from '../../config/config.service';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import type { JobPayload } from '../../queues/job-payloads';
import { QUEUE } from '../../queues/queue-names';
import { ReconciliationEventBatchesRepository } from './reconciliation-event-batches.repository';

type ReconcilePayload = JobPayload<typeof QUEUE.reconcile>;

/** Every way a reconciliation run gets queued, each with a deterministic job id. */
@Injectable()
export class ReconciliationTriggerService {
  constructor(
    private readonly jobs: JobEnqueuer,
    private readonly config: ConfigService,
    private readonly eventBatches: ReconciliationEventBatchesRepository,
  ) {}

  /** A full run on the schedule: one job per slot however many schedulers fire. */
  async scheduled(slot: Date): Promise<string> {
    const jobId = `reconcile:schedule:${slot.toISOString().slice(0, 16)}`;
    await this.jobs.enqueue(QUEUE.reconcile, { trigger: 'schedule' }, { jobId });
    return jobId;
  }

  /**
   * After a complete snapshot. An event-triggered (targeted) snapshot joins its entity's batch of event
   * snapshots, whose job is one targeted run of all of them; a full or incremental one joins the full
   * run of its time window, delayed so that the other systems' snapshots of the same set land first and
   * the set is reconciled once.
   */
  async afterSnapshot(
    snapshot: { runId: string; entity: ReconcilePayload['entity']; targeted: boolean },
    now = new Date(),
  ) {
    if (snapshot.targeted && snapshot.entity) {
      const batch = await this.eventBatches.add(snapshot.entity, snapshot.runId);
      // Added while the batch's job waits: a no-op (same id), the job takes this run with the others.
      const jobId = `reconcile:event:${snapshot.entity}:${batch}`;
      await this.jobs.enqueue(
        QUEUE.reconcile,
        { trigger: 'event', entity: snapshot.entity, eventBatch: batch },
        { jobId },
      );
      return jobId;
    }
    const delay = this.config.get('RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS');
    const window = Math.max(delay, 1000);
    const jobId = `reconcile:snapshot:${Math.floor(now.getTime() / window)}`;
    await this.jobs.enqueue(QUEUE.reconcile, { trigger: 'snapshot' }, { jobId, delay });
    return jobId;
  }

  /** From the API: each request is its own run. */
  async requested(payload: Omit<ReconcilePayload, 'trigger'>): Promise<string> {
    const jobId = `reconcile:api:${randomUUID()}`;
    await this.jobs.enqueue(QUEUE.reconcile, { ...payload, trigger: 'api' }, { jobId });
    return jobId;
  }
}
