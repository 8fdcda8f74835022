import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { Page } from '../../http/list-query';
import { AuditService } from '../audit/audit.service';
import { CorrectiveSyncQueues } from './corrective-sync-queues';
import { FixupPlannerService } from './fixup-planner.service';
import { REVIEW_STATES } from './fixup-state-machine';
import type { FixupEventView, FixupState, FixupTaskView } from './fixup-task';
import { FIXUPS_LIST_QUERY, type FixupsListQuery } from './fixups-query';
import { FixupsRepository } from './fixups.repository';

export const MAX_BULK = 1000;

/** Which tasks a bulk action applies to: explicit ids, or every task in the right state matching a filter. */
export interface Selection {
  ids?: string[];
  ruleId?: string;
  system?: string;
}

export interface BulkOutcome {
  /** Tasks the action moved. */
  changed: string[];
  /** Tasks it did not move because they were not in a state the action applies to (or do not exist). */
  skipped: string[];
}

export type ReviewDecision = 'approve' | 'dismiss' | 'retry';

export interface FixupDetail {
  task: FixupTaskView;
  transitions: FixupEventView[];
}

/**
 * What people do with fix-up tasks (API, CLI, the stewardship queue): list, look at one with its
 * transitions, approve, retry, replay dead letters, dismiss. Each action is a compare-and-set on the
 * task's state, recorded in the task's trail and in the audit log.
 */
@Injectable()
export class FixupsService {
  constructor(
    private readonly tasks: FixupsRepository,
    private readonly planner: FixupPlannerService,
    private readonly queues: CorrectiveSyncQueues,
    private readonly audit: AuditService,
  ) {}

  async list(query: FixupsListQuery, states?: readonly FixupState[]): Promise<Page<FixupTaskView>> {
    const rows = await this.tasks.find(query, query.limit + 1, states);
    return FIXUPS_LIST_QUERY.page(rows, query, (row) => ({
      value: query.sort.key === 'updatedAt' ? row.updatedAt : row.createdAt,
      id: row.id,
    }));
  }

  /** For the stewardship queue: tasks waiting for a person (needs_review, conflict). */
  listNeedingReview(query: FixupsListQuery): Promise<Page<FixupTaskView>> {
    return this.list(query, REVIEW_STATES);
  }

  async detail(id: string): Promise<FixupDetail> {
    const task = await this.tasks.findById(id);
    if (!task) throw new NotFoundException(`fix-up task ${id} not found`);
    return { task, transitions: await this.tasks.events(id) };
  }

  /** proposed / needs_review → approved → queued: the write goes ahead. */
  async approve(selection: Selection, actor: string, reason?: string): Promise<BulkOutcome> {
    const ids = await this.select(selection, ['proposed', 'needs_review']);
    const approved = await this.tasks.transition({
      ids,
      from: ['proposed', 'needs_review'],
      to: 'approved',
      actor,
      reason,
    });
    await this.planner.queue(
      approved.map((a) => a.id),
      actor,
      'approved',
    );
    return this.outcome('fixup.approve', ids, approved, actor, reason);
  }

  /** failed / conflict → queued under a new job: applied again, still conditional on the old value. */
  retry(selection: Selection, actor: string, reason?: string): Promise<BulkOutcome> {
    return this.requeue('fixup.retry', selection, ['failed', 'conflict'], actor, reason);
  }

  /** dead_lettered → queued under a new job. */
  replay(selection: Selection, actor: string, reason?: string): Promise<BulkOutcome> {
    return this.requeue('fixup.replay', selection, ['dead_lettered'], actor, reason);
  }

  async dismiss(selection: Selection, actor: string, reason: string): Promise<BulkOutcome> {
    const from: FixupState[] = [
      'proposed',
      'approved',
      'queued',
      'needs_review',
      'conflict',
      'failed',
      'dead_lettered',
    ];
    const ids = await this.select(selection, from);
    const moved = await this.tasks.transition({ ids, from, to: 'dismissed', actor, reason, patch: { finished: true } });
    return this.outcome('fixup.dismiss', ids, moved, actor, reason);
  }

  /** The stewardship queue's decision on a task waiting for a person. */
  async decide(id: string, decision: ReviewDecision, actor: string, reason?: string): Promise<BulkOutcome> {
    switch (decision) {
      case 'approve':
        return this.approve({ ids: [id] }, actor, reason);
      case 'retry':
        return this.retry({ ids: [id] }, actor, reason);
      case 'dismiss':
        return this.dismiss({ ids: [id] }, actor, reason ?? 'dismissed by a steward');
    }
  }

  private async requeue(
    action: string,
    selection: Selection,
    from: FixupState[],
    actor: string,
    reason?: string,
  ): Promise<BulkOutcome> {
    const ids = await this.select(selection, from);
    const moved = await this.tasks.transition({
      ids,
      from,
      to: 'queued',
      actor,
      reason: reason ?? action.replace('fixup.', ''),
      patch: { nextJobGeneration: true, lastError: null },
    });
    await this.queues.enqueue(await this.tasks.findMany(moved.map((m) => m.id)));
    return this.outcome(action, ids, moved, actor, reason);
  }

  private async select(selection: Selection, states: FixupState[]): Promise<string[]> {
    if (selection.ids?.length) {
      if (selection.ids.length > MAX_BULK) {
        throw new BadRequestException({ message: `at most ${MAX_BULK} ids at once`, field: 'ids' });
      }
      return [...new Set(selection.ids)];
    }
    if (!selection.ruleId && !selection.system) {
      throw new BadRequestException({ message: 'give ids, or ruleId and/or system to select tasks', field: 'ids' });
    }
    return this.tasks.idsWhere({ states, ruleId: selection.ruleId, system: selection.system }, MAX_BULK);
  }

  private async outcome(
    action: string,
    ids: string[],
    moved: { id: string; from: FixupState }[],
    actor: string,
    reason?: string,
  ): Promise<BulkOutcome> {
    const changed = moved.map((m) => m.id);
    const done = new Set(changed);
    const skipped = ids.filter((id) => !done.has(id));
    await this.audit.record({
      action,
      subjectType: 'fix_task',
      subjectId: changed.length === 1 ? changed[0] : null,
      before: { states: Object.fromEntries(moved.map((m) => [m.id, m.from])) },
      after: { changed, skipped, reason: reason ?? null },
      actor,
    });
    return { changed, skipped };
  }
}
