import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/**
 * Rate-limit counters in Redis (@nest-lab/throttler-storage-redis: one atomic Lua script per hit),
 * so every API process shares a credential's budget. Keys carry RATE_LIMIT_REDIS_PREFIX and expire
 * with their window. When Redis cannot be reached the request is refused with a 503 naming the
 * cause (fail closed: the limit also slows down key guessing), never let through uncounted.
 */
export class RedisThrottlerStorage extends ThrottlerStorageRedisService {
  private readonly logger = new Logger(RedisThrottlerStorage.name);

  constructor(url: string, keyPrefix: string) {
    // A few quick retries, then errors surface instead of requests hanging on an offline queue.
    // Named so that CLIENT LIST tells it from the queues' connections (it cannot share theirs: key prefix, retries).
    super(url, {
      keyPrefix,
      maxRetriesPerRequest: 2,
      connectTimeout: 2000,
      connectionName: `rate-limit:${process.pid}`,
    });
    // Connection errors are reported per request (above); ioredis would otherwise print each retry.
    this.redis.on('error', (error: Error) => this.logger.debug(`redis: ${error.message}`));
  }

  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await super.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.logger.error(`rate limit store unavailable: ${error instanceof Error ? error.message : String(error)}`);
      throw new ServiceUnavailableException('the rate limit store (Redis) is unavailable; try again shortly');
    }
  }
}
