import { z } from 'zod';
import { QUEUE, StaticQueueName } from './queue-names';

/** The payload schema of every queue: producers and processors validate against the same one. */
export const JOB_PAYLOADS = {
  [QUEUE.snapshot]: z.object({
    connectorId: z.string().min(1),
    entity: z.enum(['customer', 'contact', 'credit_profile', 'order', 'shipment', 'ticket']),
    mode: z.enum(['full', 'incremental']),
    keys: z.array(z.string()).optional(),
    trigger: z.enum(['schedule', 'api', 'cli', 'event']),
    /** The run the API created (status queued); absent for scheduled runs, which create their own. */
    runId: z.string().uuid().optional(),
    /**
     * A coalesced change-event window (trigger `event`): the job takes the keys its window collected in
     * Redis once the window has closed (`keys` is filled in then), and runs one keyed snapshot of them.
     */
    eventWindow: z.object({ start: z.number().int().min(0), windowMs: z.number().int().min(1) }).optional(),
  }),
  [QUEUE.reconcile]: z.object({
    trigger: z.enum(['schedule', 'snapshot', 'api', 'event']),
    ruleIds: z.array(z.string()).optional(),
    /** Targeted run: match keys of `entity` (and/or those of the event-triggered snapshot `snapshotRunId`). */
    keys: z.array(z.string()).optional(),
    entity: z.enum(['customer', 'contact', 'credit_profile', 'order', 'shipment', 'ticket']).optional(),
    snapshotRunId: z.string().uuid().optional(),
    /**
     * Event snapshots of `entity` coalesced into one targeted run (trigger `event`): the job takes the
     * snapshot runs this batch collected in Redis when it starts (`snapshotRunIds` is filled in then).
     */
    eventBatch: z.number().int().min(0).optional(),
    snapshotRunIds: z.array(z.string().uuid()).optional(),
  }),
  [QUEUE.alerts]: z.union([
    z.object({ reconciliationRunId: z.string().min(1) }),
    /** The scheduled check of SLA and connector alert rules (slot time, ISO). */
    z.object({ statusCheckAt: z.string().datetime() }),
    /** A digest's scheduled slot (ISO): it covers the whole UTC days before the slot's day. */
    z.object({ digestId: z.string().min(1), digestAt: z.string().datetime() }),
  ]),
  [QUEUE.stewardship]: z.object({
    reconciliationRunId: z.string().uuid(),
  }),
  [QUEUE.fixups]: z.object({
    reconciliationRunId: z.string().uuid(),
  }),
  /** The scheduled retention pass (slot time, ISO): cutoffs are counted back from it. */
  [QUEUE.retention]: z.object({ scheduledAt: z.string().datetime() }),
} satisfies Record<StaticQueueName, z.ZodType>;

/** The payload of every `corrective-sync:<connector>` queue: one fix-up task to apply. */
export const CORRECTIVE_SYNC_PAYLOAD = z.object({ taskId: z.string().uuid() });
export type CorrectiveSyncPayload = z.infer<typeof CORRECTIVE_SYNC_PAYLOAD>;

export function parseCorrectiveSyncPayload(queue: string, data: unknown): CorrectiveSyncPayload {
  const result = CORRECTIVE_SYNC_PAYLOAD.safeParse(data);
  if (!result.success) {
    throw new InvalidJobPayloadError(
      queue,
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return result.data;
}

export type JobPayload<Q extends StaticQueueName> = z.infer<(typeof JOB_PAYLOADS)[Q]>;

export class InvalidJobPayloadError extends Error {
  constructor(queue: string, issues: string) {
    super(`invalid payload for queue ${queue}: ${issues}`);
    this.name = 'InvalidJobPayloadError';
  }
}

export function parseJobPayload<Q extends StaticQueueName>(queue: Q, data: unknown): JobPayload<Q> {
  const result = JOB_PAYLOADS[queue].safeParse(data);
  if (!result.success) {
    throw new InvalidJobPayloadError(
      queue,
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return result.data as JobPayload<Q>;
}
