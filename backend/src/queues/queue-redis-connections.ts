import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import Redis, { type RedisOptions } from 'ioredis';
import { ConfigService } from '../config/config.service';
import { QUEUE } from './queue-names';

export type BullConnectionType = 'client' | 'subscriber' | 'bclient';

// Every queue adds its own listeners to the shared connections; a process has one per queue.
const LISTENERS_PER_QUEUE = 8;
const MAX_QUEUES = 64;

/**
 * The Redis connections of every Bull queue in this process. Left to itself Bull opens three per
 * queue (commands, pub/sub, blocking pops): thirty for the ten queues of a worker, per process, so
 * adding workers multiplied Redis clients quickly. Commands and pub/sub are shared by all queues (Bull's
 * documented createClient pattern); the blocking connection cannot be, so each queue keeps its own.
 * Bull closes none of the connections it was given: they are closed here, after the queues.
 */
@Injectable()
export class QueueRedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueRedisConnections.name);
  private shared: { client?: Redis; subscriber?: Redis } = {};
  private readonly blocking = new Set<Redis>();
  private readonly queues = new Set<Queue>();

  constructor(
    private readonly config: ConfigService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Bull's `createClient` option. */
  readonly createClient = (type: BullConnectionType, redisOpts?: RedisOptions): Redis => {
    if (type === 'bclient') {
      const connection = this.open(redisOpts, true);
      // Kept until shutdown even when it ends: closing a queue ends its blocking connection and then
      // connects it again (to abort a pending pop), and that last connection is ours to close.
      this.blocking.add(connection);
      return connection;
    }
    // Not named after a queue: Bull counts a queue's workers by that name, which only blocking
    // connections carry. Named after the process instead, so that CLIENT LIST tells whose they are.
    this.shared[type] ??= this.open(
      { connectionName: `${this.config.get('QUEUE_PREFIX')}:shared:${process.pid}:${type}` },
      type === 'subscriber',
    );
    return this.shared[type];
  };

  /** A queue made outside @nestjs/bull with createClient: closed before the connections it uses. */
  track(queue: Queue): void {
    this.queues.add(queue);
  }

  async onApplicationShutdown(): Promise<void> {
    // @nestjs/bull closes its queues in this same hook, in no set order with this one; Queue#close is
    // idempotent, so closing them here first is safe and keeps the connections open until they are done.
    const registered = Object.values(QUEUE).flatMap((name) => {
      try {
        return [this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })];
      } catch {
        return [];
      }
    });
    await Promise.all(
      [...registered, ...this.queues].map((queue) =>
        queue.close().catch((error: unknown) => {
          this.logger.warn(`queue ${queue.name} did not close cleanly: ${(error as Error).message}`);
        }),
      ),
    );
    // A blocking connection may sit in a pop until its timeout; QUIT would wait for it, so drop it.
    for (const connection of this.blocking) connection.disconnect();
    this.blocking.clear();
    const shared = [this.shared.client, this.shared.subscriber].filter((c): c is Redis => !!c && c.status !== 'end');
    this.shared = {};
    await Promise.all(shared.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private open(redisOpts: RedisOptions | undefined, blockingOrPubSub: boolean): Redis {
    const connection = new Redis(this.config.get('REDIS_URL'), {
      connectionName: redisOpts?.connectionName,
      // Bull refuses pub/sub and blocking connections that would fail commands after retries.
      ...(blockingOrPubSub ? { maxRetriesPerRequest: null, enableReadyCheck: false } : {}),
    });
    connection.setMaxListeners(LISTENERS_PER_QUEUE * MAX_QUEUES);
    return connection;
  }
}
