import { DynamicModule, Module } from '@nestjs/common';
import type { ProcessRole } from '../../config/env.schema';
import { onePerRole, runsApi, runsWorker } from '../../config/process-role';
import { FixupReviewsService } from './fixup-reviews.service';
import { IdentityLinksRepository } from './identity-links.repository';
import { LinkSuggestionService } from './link-suggestion.service';
import { StewardshipFindingsRepository } from './stewardship-findings.repository';
import { StewardshipIntakeService } from './stewardship-intake.service';
import { StewardshipItemsRepository } from './stewardship-items.repository';
import { StewardshipRecordsRepository } from './stewardship-records.repository';
import { StewardshipReviewsController } from './stewardship-reviews.controller';
import { StewardshipController } from './stewardship.controller';
import { StewardshipProcessor } from './stewardship.processor';
import { StewardshipService } from './stewardship.service';

/**
 * The stewardship queue: the API in the api role; in the worker role, items opened after each
 * complete reconciliation run. Exports StewardshipService so other modules can raise items (`open`).
 */
@Module({})
export class StewardshipModule {
  static readonly forRole = onePerRole((role: ProcessRole): DynamicModule => StewardshipModule.build(role));

  private static build(role: ProcessRole): DynamicModule {
    return {
      module: StewardshipModule,
      controllers: runsApi(role) ? [StewardshipController, StewardshipReviewsController] : [],
      providers: [
        StewardshipItemsRepository,
        StewardshipFindingsRepository,
        StewardshipRecordsRepository,
        IdentityLinksRepository,
        LinkSuggestionService,
        StewardshipIntakeService,
        StewardshipService,
        FixupReviewsService,
        ...(runsWorker(role) ? [StewardshipProcessor] : []),
      ],
      exports: [StewardshipService],
    };
  }
}
