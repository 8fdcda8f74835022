import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Page } from '../../http/list-query';
import type { ReviewReason } from '../fixups/fixup-task';
import type { FixupReviewsListQuery } from '../fixups/fixups-query';
import type { BulkOutcomeView } from '../fixups/fixups.dto';
import { FixupsService, type ReviewDecision } from '../fixups/fixups.service';
import type { ItemKind } from './stewardship-item';
import type { ReviewItemView } from './stewardship.dto';
import { ItemNotOpenError } from './stewardship.errors';

/**
 * Why a task waits (`ReviewReason`, derived by the fix-up module): the target refused the write
 * (`validation_failure`), the value changed since the finding or decision (`conflict`), or a person
 * has to decide before anything is written (`needs_decision`).
 */
export type ReviewKind = Extract<ItemKind, 'validation_failure' | 'conflict'> | 'needs_decision';

// The stewardship kinds and the fix-up module's reasons are the same three words.
const asKind = (reason: ReviewReason): ReviewKind => reason;

/**
 * Fix-up tasks waiting for a person (the target refused the write, someone changed the value since
 * the finding, or the write needs a decision first), shown in the stewardship queue. Read and decided only through FixupsService:
 * the fix-up module owns those tasks and their states.
 */
@Injectable()
export class FixupReviewsService {
  constructor(private readonly moduleRef: ModuleRef) {}

  async list(query: FixupReviewsListQuery): Promise<Page<ReviewItemView>> {
    const page = await this.fixups().listReviews(query);
    return {
      items: page.items.map(({ reason, task, currentValues }) => ({ kind: asKind(reason), task, currentValues })),
      nextCursor: page.nextCursor,
    };
  }

  async decide(taskId: string, decision: ReviewDecision, actor: string, reason?: string): Promise<BulkOutcomeView> {
    const outcome = await this.fixups().decide(taskId, decision, actor, reason);
    if (outcome.changed.length === 0) throw new ItemNotOpenError(taskId, 'not waiting for review');
    return outcome;
  }

  private fixups(): FixupsService {
    try {
      return this.moduleRef.get(FixupsService, { strict: false });
    } catch {
      throw new ServiceUnavailableException('the fix-up module is not loaded in this process');
    }
  }
}
