import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '../config/config.service';
import { DEFAULT_JOB_OPTIONS } from './job-defaults';
import { JobEnqueuer } from './job-enqueuer';
import { QUEUE } from './queue-names';

const staticQueues = Object.values(QUEUE).map((name) => ({ name }));

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        url: config.get('REDIS_URL'),
        prefix: config.get('QUEUE_PREFIX'),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...staticQueues),
  ],
  providers: [JobEnqueuer],
  exports: [BullModule, JobEnqueuer],
})
export class QueuesModule {}
