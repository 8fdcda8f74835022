import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { StewardshipItemsRepository } from './stewardship-items.repository';
import { StewardshipService } from './stewardship.service';

/** The stewardship queue. Exports StewardshipService so other modules can raise items with `open`. */
@Module({})
export class StewardshipModule {
  static forRole(role: ProcessRole): DynamicModule {
    void role;
    return {
      module: StewardshipModule,
      providers: [StewardshipItemsRepository, StewardshipService],
      exports: [StewardshipService],
    };
  }
}
