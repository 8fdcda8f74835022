import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Page } from '../../http/list-query';
import type { FixupTaskView } from '../fixups/fixup-task';
import type { FixupsListQuery } from '../fixups/fixups-query';
import { FixupsService, type BulkOutcome, type ReviewDecision } from '../fixups/fixups.service';
import type { ItemKind } from './stewardship-item';
import { ItemNotOpenError } from './stewardship.errors';

export interface ReviewItemView {
  kind: Extract<ItemKind, 'validation_failure' | 'conflict'>;
  task: FixupTaskView;
}

/**
 * Fix-up tasks waiting for a person (the target refused the write, or someone changed the value
 * since the finding), shown in the stewardship queue. Read and decided only through FixupsService:
 * the fix-up module owns those tasks and their states.
 */
@Injectable()
export class FixupReviewsService {
  constructor(private readonly moduleRef: ModuleRef) {}

  async list(query: FixupsListQuery): Promise<Page<ReviewItemView>> {
    const page = await this.fixups().listNeedingReview(query);
    return {
      items: page.items.map((task) => ({ kind: task.state === 'conflict' ? 'conflict' : 'validation_failure', task })),
      nextCursor: page.nextCursor,
    };
  }

  async decide(taskId: string, decision: ReviewDecision, actor: string, reason?: string): Promise<BulkOutcome> {
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
