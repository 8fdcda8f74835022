import { Module } from '@nestjs/common';
import { QueueRedisConnections } from './queue-redis-connections';

/** The Redis connections Bull queues share; its own module so that BullModule's async factory can import it. */
@Module({
  providers: [QueueRedisConnections],
  exports: [QueueRedisConnections],
})
export class QueueConnectionsModule {}
