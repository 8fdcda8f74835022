import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { Page } from '../../http/list-query';
import { AuditService } from '../audit/audit.service';
import { CorrectiveSyncQueues } from './corrective-sync-queues';
import { FixupPlannerService } from './fixup-planner.service';
import { REVIEW_STATES } from './fixup-state-machine';
import type { FixupBacklog, FixupReviewView, FixupState, FixupTaskView } from './fixup-task';
import type { BulkOutcomeView, FixupDetail, RefusedTaskView } from './fixups.dto';
import {
  FIXUP_REVIEWS_LIST_QUERY,
  FIXUPS_LIST_QUERY,
  type FixupReviewsListQuery,
  type FixupsListQuery,
} from './fixups-query';
import { FixupsRepository } from './fixups.repository';

export const MAX_BULK = 1000;

/** Which tasks a bulk action applies to: explicit ids, or every task in the right state matching a filter. */
export interface Selection {
  ids?: string[];
  ruleId?: string;
  system?: string;
}

/** Why approve refuses a task with no field changes: approving it would mark it done with nothing written. */
export const NOTHING_TO_WRITE =
  'the task has no field changes, so approving it would write nothing; resolve it in the target system ' +
  'by hand if needed, then dismiss it';

/** Why approve, retry and replay refuse a task of a suppressed finding: a person accepted the difference. */
export const SUPPRESSED_FINDING =
  'its finding is suppressed (the difference is accepted), so nothing is written; unsuppress the finding first';

export type ReviewDecision = 'approve' | 'dismiss' | 'retry';
export type SingleAction = ReviewDecision | 'replay';

const PAST: Readonly<Record<SingleAction, string>> = {
  approve: 'approved',
  retry: 'retried',
  replay: 'replayed',
  dismiss: 'dismissed',
};

/** The states each action moves a task out of. */
export const ACTION_STATES: Readonly<Record<SingleAction, readonly FixupState[]>> = {
  approve: ['proposed', 'needs_review'],
  retry: ['failed', 'conflict'],
  replay: ['dead_lettered'],
  dismiss: ['proposed', 'approved', 'queued', 'needs_review', 'conflict', 'failed', 'dead_lettered'],
};

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

  /** Per target system, dead letters and tasks waiting for a person untouched since before `waitingBefore` (alerting). */
  backlog(waitingBefore: Date | null): Promise<FixupBacklog[]> {
    return this.tasks.backlog(waitingBefore);
  }

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

  /** The same tasks with why each waits (filterable by it) and a conflict's current values. */
  async listReviews(query: FixupReviewsListQuery): Promise<Page<FixupReviewView>> {
    const rows = await this.tasks.findReviews(query, query.limit + 1);
    return FIXUP_REVIEWS_LIST_QUERY.page(rows, query, ({ task }) => ({
      value: query.sort.key === 'updatedAt' ? task.updatedAt : task.createdAt,
      id: task.id,
    }));
  }

  async detail(id: string): Promise<FixupDetail> {
    const task = await this.tasks.findById(id);
    if (!task) throw new NotFoundException(`fix-up task ${id} not found`);
    return { task, transitions: await this.tasks.events(id) };
  }

  /**
   * One task by id (the `/:id/<action>` routes): 404 when it does not exist, 409 naming its state when
   * the action does not apply to that state (checked before and, for a concurrent change, after the
   * compare-and-set), else the action's outcome. Approving a task with no field changes is a 409 too.
   */
  async one(id: string, action: SingleAction, actor: string, reason?: string): Promise<BulkOutcomeView> {
    const task = await this.tasks.findById(id);
    if (!task) throw new NotFoundException(`fix-up task ${id} not found`);
    const from = ACTION_STATES[action];
    const refuse = (state: FixupState) =>
      new ConflictException({
        message: `fix-up task ${id} is ${state}; ${action} applies to tasks that are ${from.join(', ')}`,
        field: 'state',
      });
    if (!from.includes(task.state)) throw refuse(task.state);
    const nothingToWrite = () =>
      new ConflictException({ message: `fix-up task ${id} cannot be approved: ${NOTHING_TO_WRITE}`, field: 'changes' });
    if (action === 'approve' && task.changes.length === 0) throw nothingToWrite();
    const outcome =
      action === 'dismiss'
        ? await this.dismiss({ ids: [id] }, actor, reason ?? 'dismissed')
        : await this[action]({ ids: [id] }, actor, reason);
    const [refused] = outcome.refused;
    if (refused)
      throw new ConflictException({
        message: `fix-up task ${id} cannot be ${PAST[action]}: ${refused.reason}`,
        field: refused.reason === NOTHING_TO_WRITE ? 'changes' : 'finding',
      });
    if (outcome.changed.length === 0) throw refuse((await this.tasks.findById(id))?.state ?? task.state);
    return outcome;
  }

  /**
   * proposed / needs_review → approved → queued: the write goes ahead. A task with no field changes (a
   * decision for a person, e.g. a duplicate the connector cannot retire) is refused and stays as it is;
   * the others in the selection are approved.
   */
  async approve(selection: Selection, actor: string, reason?: string): Promise<BulkOutcomeView> {
    const ids = await this.select(selection, ACTION_STATES.approve);
    const empty = new Set(await this.tasks.withoutChanges(ids, ACTION_STATES.approve));
    const suppressed = new Set(await this.tasks.withSuppressedFinding(ids));
    const approved = await this.tasks.transition({
      ids: ids.filter((id) => !empty.has(id) && !suppressed.has(id)),
      from: ACTION_STATES.approve,
      to: 'approved',
      actor,
      reason,
      requireChanges: true,
    });
    await this.planner.queue(
      approved.map((a) => a.id),
      actor,
      'approved',
    );
    return this.outcome('fixup.approve', ids, approved, actor, reason, [
      ...ids.filter((id) => empty.has(id)).map((id) => ({ id, reason: NOTHING_TO_WRITE })),
      ...ids.filter((id) => suppressed.has(id) && !empty.has(id)).map((id) => ({ id, reason: SUPPRESSED_FINDING })),
    ]);
  }

  /** failed / conflict → queued under a new job: applied again, still conditional on the old value. */
  retry(selection: Selection, actor: string, reason?: string): Promise<BulkOutcomeView> {
    return this.requeue('fixup.retry', selection, ACTION_STATES.retry, actor, reason);
  }

  /** dead_lettered → queued under a new job. */
  replay(selection: Selection, actor: string, reason?: string): Promise<BulkOutcomeView> {
    return this.requeue('fixup.replay', selection, ACTION_STATES.replay, actor, reason);
  }

  async dismiss(selection: Selection, actor: string, reason: string): Promise<BulkOutcomeView> {
    const from = ACTION_STATES.dismiss;
    const ids = await this.select(selection, from);
    const moved = await this.tasks.transition({ ids, from, to: 'dismissed', actor, reason, patch: { finished: true } });
    return this.outcome('fixup.dismiss', ids, moved, actor, reason);
  }

  /** The stewardship queue's decision on a task waiting for a person. */
  decide(id: string, decision: ReviewDecision, actor: string, reason?: string): Promise<BulkOutcomeView> {
    return this.one(id, decision, actor, decision === 'dismiss' ? (reason ?? 'dismissed by a steward') : reason);
  }

  private async requeue(
    action: string,
    selection: Selection,
    from: readonly FixupState[],
    actor: string,
    reason?: string,
  ): Promise<BulkOutcomeView> {
    const ids = await this.select(selection, from);
    const suppressed = new Set(await this.tasks.withSuppressedFinding(ids));
    const moved = await this.tasks.transition({
      ids: ids.filter((id) => !suppressed.has(id)),
      from,
      to: 'queued',
      actor,
      reason: reason ?? action.replace('fixup.', ''),
      patch: { nextJobGeneration: true, lastError: null },
    });
    await this.queues.enqueue(await this.tasks.findMany(moved.map((m) => m.id)));
    const refused = ids.filter((id) => suppressed.has(id)).map((id) => ({ id, reason: SUPPRESSED_FINDING }));
    return this.outcome(action, ids, moved, actor, reason, refused);
  }

  private async select(selection: Selection, states: readonly FixupState[]): Promise<string[]> {
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
    refused: RefusedTaskView[] = [],
  ): Promise<BulkOutcomeView> {
    const changed = moved.map((m) => m.id);
    const done = new Set(changed);
    const skipped = ids.filter((id) => !done.has(id));
    await this.audit.record({
      action,
      subjectType: 'fix_task',
      subjectId: changed.length === 1 ? changed[0] : null,
      before: { states: Object.fromEntries(moved.map((m) => [m.id, m.from])) },
      after: { changed, skipped, ...(refused.length > 0 ? { refused } : {}), reason: reason ?? null },
      actor,
    });
    return { changed, skipped, refused };
  }
}
