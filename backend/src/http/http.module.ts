import { Global, Module } from '@nestjs/common';
import { ConfigService } from '../config/config.service';
import { SecretRedactor } from './secret-redaction';

/** Cross-cutting HTTP pieces that modules inject (the rest is wired in `applyHttpHardening`). */
@Global()
@Module({
  providers: [
    {
      provide: SecretRedactor,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => SecretRedactor.fromConfig(config),
    },
  ],
  exports: [SecretRedactor],
})
export class HttpModule {}
