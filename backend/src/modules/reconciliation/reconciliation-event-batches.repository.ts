import { Injectable } from '@nestjs/common';
import type { EntityKind } from '@driftwatch/reconciliation-rules';
import { ConfigService } from '../../config/config.service';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';

/** How long collected snapshot runs stay in Redis: far longer than a batch's job waits for the worker. */
const KEEP_MS = 24 * 3600_000;

/** KEYS: the batch number, the pending set; ARGV: the run id, keep ms. Answers the batch the run joined. */
const ADD_RUN = `redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return tonumber(redis.call('GET', KEYS[1]) or '0')`;

/** Starts the next batch (later adds join it) and answers every run the pending set collected. */
const TAKE_RUNS = `redis.call('INCR', KEYS[1])
local runs = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return runs`;

/**
 * Event snapshots waiting for their targeted run, per entity. Runs are serialised, and change events can
 * land faster than one run per snapshot takes (the demo's CRM stream and WMS webhooks: ~2 a second
 * against ~0.7 s a run); one job per batch takes every snapshot that landed while the previous run was
 * busy, so the queue never grows past one waiting job per entity. Adding and taking are atomic (Lua):
 * a run added after a take answers the next batch number, whose job is new.
 */
@Injectable()
export class ReconciliationEventBatchesRepository {
  private readonly prefix: string;

  constructor(
    private readonly jobs: JobEnqueuer,
    config: ConfigService,
  ) {
    this.prefix = `driftwatch:reconcile-event-batch:${config.get('QUEUE_PREFIX')}`;
  }

  /** Adds an event snapshot run to its entity's pending set; answers the batch whose job will take it. */
  async add(entity: EntityKind, snapshotRunId: string): Promise<number> {
    return Number(await this.redis.eval(ADD_RUN, 2, ...this.keysOf(entity), snapshotRunId, KEEP_MS));
  }

  /** Every pending snapshot run of the entity, sorted; later adds go to the next batch. */
  async take(entity: EntityKind): Promise<string[]> {
    const runs = (await this.redis.eval(TAKE_RUNS, 2, ...this.keysOf(entity))) as string[];
    return [...runs].sort();
  }

  private keysOf(entity: EntityKind): [string, string] {
    return [`${this.prefix}:${entity}:batch`, `${this.prefix}:${entity}:pending`];
  }

  private get redis() {
    return this.jobs.queue(QUEUE.reconcile).client;
  }
}
