import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '../config/config.service';
import { DEFAULT_JOB_OPTIONS } from './job-defaults';
import { JobEnqueuer } from './job-enqueuer';
import { QueueConnectionsModule } from './queue-connections.module';
import { QUEUE } from './queue-names';
import { QueueRedisConnections } from './queue-redis-connections';

const staticQueues = Object.values(QUEUE).map((name) => ({ name }));

@Global()
@Module({
  imports: [
    QueueConnectionsModule,
    BullModule.forRootAsync({
      imports: [QueueConnectionsModule],
      inject: [ConfigService, QueueRedisConnections],
      useFactory: (config: ConfigService, connections: QueueRedisConnections) => ({
        prefix: config.get('QUEUE_PREFIX'),
        createClient: connections.createClient,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...staticQueues),
  ],
  providers: [JobEnqueuer],
  exports: [BullModule, JobEnqueuer, QueueConnectionsModule],
})
export class QueuesModule {}
