import { Global, Module } from '@nestjs/common';
import { ConfigService } from '../config/config.service';
import { ClickHouseService } from './clickhouse.service';

@Global()
@Module({
  providers: [
    {
      provide: ClickHouseService,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ClickHouseService.fromConfig(config),
    },
  ],
  exports: [ClickHouseService],
})
export class ClickHouseModule {}
