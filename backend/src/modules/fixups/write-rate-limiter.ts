import type { OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { FixupsSettings } from './fixups-settings';

/**
 * Admission of one write: `records` records at most `limit` per `windowMs` in ANY sliding window, across
 * every worker process. A slot is held from the moment it is granted until `windowMs` after the write
 * finished (`release`), because the target's own write time lies somewhere in between: counting only the
 * start would let network and queueing jitter squeeze two writes granted a window apart into one. A
 * worker that dies mid-write leaves its slot until `holdMs` runs out.
 *
 * State: one Redis sorted set per target (`member` = `<uuid>:<records>`, score = time until which it
 * counts), changed by one Lua script per call so that concurrent workers never both take the last slot;
 * time comes from the Redis server's clock so that workers' clocks do not matter.
 */
const ACQUIRE = `
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local records, limit, windowMs, holdMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do used = used + tonumber(string.match(entries[i], ':(%d+)$')) end
if used + records <= limit then
  redis.call('ZADD', KEYS[1], now + holdMs, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], holdMs + windowMs)
  return {1, 0}
end
local need, freed = used + records - limit, 0
for i = 1, #entries, 2 do
  freed = freed + tonumber(string.match(entries[i], ':(%d+)$'))
  if freed >= need then return {0, tonumber(entries[i + 1]) - now} end
end
return {0, windowMs}
`;

const RELEASE = `
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
end
return 1
`;

/** Longest pause between two admission attempts: slots held by writes in flight free up on release. */
const MAX_POLL_MS = 50;

export class WriteRateLimitTooLargeError extends Error {
  constructor(records: number, limit: number) {
    super(`a write of ${records} records can never fit a limit of ${limit} per window`);
    this.name = 'WriteRateLimitTooLargeError';
  }
}

export interface WriteSlot {
  release(): Promise<void>;
}

/** Built by FixupsModule from the settings (a factory provider), or directly by tests and the benchmark. */
export class WriteRateLimiter implements OnModuleDestroy {
  private redis: Redis | undefined;

  constructor(
    private readonly settings: Pick<FixupsSettings, 'redisUrl' | 'sync'>,
    private readonly options: { windowMs?: number; keyPrefix?: string } = {},
  ) {}

  private get windowMs(): number {
    return this.options.windowMs ?? 1000;
  }

  private client(): Redis {
    this.redis ??= new Redis(this.settings.redisUrl, {
      maxRetriesPerRequest: null,
      lazyConnect: false,
      connectionName: `write-rate-limit:${process.pid}`,
    });
    return this.redis;
  }

  private key(target: string): string {
    return `${this.options.keyPrefix ?? 'driftwatch:fixups:write-rate'}:${target}`;
  }

  /** Waits until `records` records may be written to `target` now; the caller releases after the write. */
  async acquire(target: string, records: number, limit: number): Promise<WriteSlot> {
    if (records > limit) throw new WriteRateLimitTooLargeError(records, limit);
    const member = `${randomUUID()}:${records}`;
    const key = this.key(target);
    const holdMs = this.settings.sync.leaseMs + this.windowMs;
    for (;;) {
      const [granted, waitMs] = (await this.client().eval(
        ACQUIRE,
        1,
        key,
        records,
        limit,
        this.windowMs,
        holdMs,
        member,
      )) as [number, number];
      if (granted === 1) {
        return {
          release: () =>
            this.client()
              .eval(RELEASE, 1, key, member, this.windowMs)
              .then(() => undefined),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(MAX_POLL_MS, waitMs))));
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.quit();
    this.redis = undefined;
  }
}
