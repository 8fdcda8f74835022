import { Injectable } from '@nestjs/common';
import { ConfigService } from '../../config/config.service';
import type { EntityKind } from '../../connectors/canonical-model';
import { JobEnqueuer } from '../../queues/job-enqueuer';
import { QUEUE } from '../../queues/queue-names';

/** How long a window's keys and its closed mark stay in Redis: far longer than its job waits for a worker. */
const KEEP_MS = 24 * 3600_000;

/** KEYS: the window's key set, its closed mark; ARGV: keep ms, then the keys. 0 = the window is closed. */
const ADD_KEYS = `if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SADD', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** Closes the window (later adds go to the next one) and answers every key it collected. */
const TAKE_KEYS = `redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return redis.call('SMEMBERS', KEYS[1])`;

/**
 * The keys change events named within one coalescing window (connector, entity, window start), kept
 * in Redis so that every API process adds to the same window. Adding and closing are atomic (Lua),
 * so a key is either in the set the window's job takes or refused (and added to a later window).
 */
@Injectable()
export class SnapshotEventWindowsRepository {
  private readonly prefix: string;

  constructor(
    private readonly jobs: JobEnqueuer,
    config: ConfigService,
  ) {
    this.prefix = `driftwatch:snapshot-event-window:${config.get('QUEUE_PREFIX')}`;
  }

  /** Adds keys to an open window; false when its job has already closed it. */
  async add(connectorId: string, entity: EntityKind, start: number, keys: string[]): Promise<boolean> {
    const added = await this.redis.eval(ADD_KEYS, 2, ...this.keysOf(connectorId, entity, start), KEEP_MS, ...keys);
    return added === 1;
  }

  /** Closes the window and returns its keys, sorted; a retried job gets the same keys again. */
  async take(connectorId: string, entity: EntityKind, start: number): Promise<string[]> {
    const keys = (await this.redis.eval(TAKE_KEYS, 2, ...this.keysOf(connectorId, entity, start), KEEP_MS)) as string[];
    return [...keys].sort();
  }

  private keysOf(connectorId: string, entity: EntityKind, start: number): [string, string] {
    const base = `${this.prefix}:${connectorId}:${entity}:${start}`;
    return [`${base}:keys`, `${base}:closed`];
  }

  private get redis() {
    return this.jobs.queue(QUEUE.snapshot).client;
  }
}
