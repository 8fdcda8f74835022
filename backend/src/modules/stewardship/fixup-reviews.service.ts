import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Page } from '../../http/list-query';
import type { FixupTaskView } from '../fixups/fixup-task';
import type { FixupsListQuery } from '../fixups/fixups-query';
import { FixupsService, type BulkOutcome, type ReviewDecision } from '../fixups/fixups.service';
import type { ItemKind } from './stewardship-item';
import { ItemNotOpenError } from './stewardship.errors';

/**
 * Why a task waits: the target refused the write (`validation_failure`), the value changed since the
 * finding or decision (`conflict`), or a person has to decide before anything is written
 * (`needs_decision`: manual policy, held by a blast-radius guard, or no connector write for it).
 */
export type ReviewKind = Extract<ItemKind, 'validation_failure' | 'conflict'> | 'needs_decision';

export interface ReviewItemView {
  kind: ReviewKind;
  task: FixupTaskView;
}

/** CorrectiveSyncService's reason (and last error) when the target answers `rejected`. */
const REFUSED_BY_TARGET = 'the target refused the write';

export function reviewKindOf(task: Pick<FixupTaskView, 'state' | 'lastError'>): ReviewKind {
  if (task.state === 'conflict') return 'conflict';
  return task.lastError?.startsWith(REFUSED_BY_TARGET) ? 'validation_failure' : 'needs_decision';
}

/**
 * Fix-up tasks waiting for a person (the target refused the write, someone changed the value since
 * the finding, or the write needs a decision first), shown in the stewardship queue. Read and decided only through FixupsService:
 * the fix-up module owns those tasks and their states.
 */
@Injectable()
export class FixupReviewsService {
  constructor(private readonly moduleRef: ModuleRef) {}

  async list(query: FixupsListQuery): Promise<Page<ReviewItemView>> {
    const page = await this.fixups().listNeedingReview(query);
    return {
      items: page.items.map((task) => ({ kind: reviewKindOf(task), task })),
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
