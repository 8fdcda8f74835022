/**
 * Fix-up tasks from a steward's merge decision on duplicate records: the survivor takes the chosen
 * field values, and each losing duplicate is marked as no longer in use, in their own system, through
 * the same tasks, states, queues and verification as any corrective write.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { EntityKind } from '@driftwatch/reconciliation-rules';
import type { Connector } from '../../connectors/connector';
import { baseKeyOf, canonicalPath, canonicalValue } from './fixup-changes';
import { FIXUP_TARGETS, type FixupTargets } from './fixup-connectors';
import { CorrectiveSyncQueues } from './corrective-sync-queues';
import { loadPolicyFile, resolvePolicy, type PolicyOverrides, type ResolvedPolicy } from './fixup-policy';
import type { FixPolicy, FixupFieldChange, FixupTaskView, NewFixupTask } from './fixup-task';
import { FixupsRepository } from './fixups.repository';
import { FIXUPS_SETTINGS, type FixupsSettings } from './fixups-settings';

/** `finding_kind` of the tasks a merge makes (the duplicate finding's kind is in the item). */
export const MERGE_SURVIVOR = 'merge_survivor';
export const MERGE_DUPLICATE = 'merge_duplicate';
export const MERGE_TASK_KINDS: readonly string[] = [MERGE_SURVIVOR, MERGE_DUPLICATE];

/**
 * The canonical customer status that retires a merged-away duplicate, per connector kind, where the
 * connector writes `status` and the system has such a state:
 * - salesforce: `Account_Status__c = Inactive`. A real Salesforce merge (which deletes the losers and
 *   re-parents their children) exists only in the SOAP API and Apex, not in REST: it is not faked here.
 * - dynamics: `OnHoldStatus = All` (F&O has no inactive customer; "on hold: all" blocks every
 *   transaction, which is what a merged-away account should do).
 * Tryton (`active` is read-only in its mapping), the support desk (status is a constant) and the other
 * kinds have no such write: the task goes to a person.
 */
export const RETIRED_STATUS: Readonly<Record<string, string>> = {
  salesforce: 'inactive',
  dynamics: 'blocked',
};

/** One field the survivor takes from another candidate, as the steward saw both at decision time. */
export interface SurvivorFieldChange {
  /** Snapshot column, e.g. `legal_name`. */
  field: string;
  from: string;
  to: string;
  sourceKey: string;
}

export interface MergeDecisionForFixups {
  /** The stewardship item the decision closed: tasks of one item are planned once. */
  itemId: string;
  /** The duplicate finding the item came from (a task always belongs to a finding). */
  findingId: string;
  /** The reconciliation run that last saw that finding. */
  runId: string;
  ruleId: string;
  entity: EntityKind;
  /** The system all candidates live in. */
  system: string;
  matchKey: string;
  survivor: string;
  changes: readonly SurvivorFieldChange[];
  /** Each losing record with its `status` as the steward saw it. */
  duplicates: readonly { entityKey: string; status: string }[];
  actor: string;
}

export interface MergeFixupOutcome {
  /** Every task of the decision, created now or by an earlier call with the same decision. */
  tasks: FixupTaskView[];
  created: number;
  queued: number;
}

/**
 * The policy of a merge's tasks: `approval` by default, because a merge is destructive. Only a policy
 * naming the duplicates rule (`rules.<id>`, or `systems.<system>.rules.<id>`) changes it; a system's
 * `default` is for field fixes and does not make merges automatic.
 */
export function mergePolicy(ruleId: string, system: string, overrides: PolicyOverrides): ResolvedPolicy {
  const systemRules = overrides.systems[system]?.rules ?? {};
  const resolved = resolvePolicy({ id: ruleId, fix_policy: 'approval' }, system, {
    ...overrides,
    systems: { [system]: { rules: systemRules } },
  });
  return resolved.source === 'rule' ? { policy: 'approval', source: 'rule' } : resolved;
}

type Draft = Omit<NewFixupTask, 'policy' | 'state' | 'stateReason'> & { blockedBy: string | null };

@Injectable()
export class MergeFixupPlanner {
  constructor(
    private readonly tasks: FixupsRepository,
    private readonly queues: CorrectiveSyncQueues,
    @Inject(FIXUP_TARGETS) private readonly targets: FixupTargets,
    @Inject(FIXUPS_SETTINGS) private readonly settings: FixupsSettings,
  ) {}

  /**
   * Creates the decision's tasks unless they exist (same item, record and changes: the same base key),
   * so calling it again with the same decision creates nothing. Auto-policy tasks are queued at once.
   */
  async plan(decision: MergeDecisionForFixups): Promise<MergeFixupOutcome> {
    const { policy, source } = mergePolicy(decision.ruleId, decision.system, loadPolicyFile(this.settings.policyFile));
    const connector = this.connector(decision.system);
    const drafts = [this.survivorDraft(decision, connector), ...this.duplicateDrafts(decision, connector)].filter(
      (d): d is Draft => d !== null,
    );
    const existing = await this.tasks.findByBaseKeys(drafts.map((d) => d.baseKey));
    const known = new Set(existing.map((t) => t.baseKey));
    const fresh: NewFixupTask[] = drafts
      .filter((d) => !known.has(d.baseKey))
      .map(({ blockedBy, ...d }) => ({
        ...d,
        policy,
        ...stateOf(policy, source, blockedBy, decision.itemId),
      }));
    const created = await this.tasks.insertMany(fresh, decision.actor);
    const approved = created.filter((t) => t.state === 'approved').map((t) => t.id);
    const queued = await this.queue(approved, decision.actor, `merge decision, ${policy} policy (${source})`);
    // Survivor first, then the duplicates in the decision's order; the first task of each base key.
    const byBaseKey = new Map<string, FixupTaskView>();
    for (const { baseKey, task } of await this.tasks.findByBaseKeys(drafts.map((d) => d.baseKey))) {
      if (!byBaseKey.has(baseKey)) byBaseKey.set(baseKey, task);
    }
    const tasks = drafts.map((d) => byBaseKey.get(d.baseKey)).filter((t): t is FixupTaskView => t !== undefined);
    return { tasks, created: created.length, queued };
  }

  /**
   * approved → queued, then one job each on the target's queue (as FixupPlannerService.queue does; not
   * injected from there, because the planner and the stewardship service import each other's module).
   */
  private async queue(ids: readonly string[], actor: string, reason: string): Promise<number> {
    const moved = await this.tasks.transition({ ids, from: ['approved'], to: 'queued', actor, reason });
    const tasks = await this.tasks.findMany(moved.map((m) => m.id));
    await this.queues.enqueue(tasks);
    return tasks.length;
  }

  private connector(system: string): Connector | string {
    try {
      return this.targets.get(system);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  private base(decision: MergeDecisionForFixups, findingKind: string, sourceKey: string, changes: FixupFieldChange[]) {
    return {
      findingId: decision.findingId,
      ruleId: decision.ruleId,
      ruleKind: 'duplicates',
      findingKind,
      entity: decision.entity,
      matchKey: decision.matchKey,
      targetSystem: decision.system,
      sourceKey,
      changes,
      createdRunId: decision.runId,
      baseKey: baseKeyOf(`merge:${decision.itemId}:${sourceKey}`, decision.system, changes),
    };
  }

  /** The survivor's field writes, each conditional on the survivor's value the steward saw. */
  private survivorDraft(decision: MergeDecisionForFixups, connector: Connector | string): Draft | null {
    if (decision.changes.length === 0) return null;
    const changes: FixupFieldChange[] = [];
    const unwritable: string[] = [];
    for (const c of decision.changes) {
      const expectedOld = canonicalValue(decision.entity, c.field, c.from);
      const newValue = canonicalValue(decision.entity, c.field, c.to);
      if (expectedOld === undefined || newValue === undefined) unwritable.push(c.field);
      else changes.push({ field: canonicalPath(c.field), column: c.field, expectedOld, newValue });
    }
    const blockedBy =
      typeof connector === 'string'
        ? connector
        : !connector.capabilities.writableEntities.includes(decision.entity)
          ? `the ${connector.kind} connector ${connector.id} does not write ${decision.entity} records`
          : unwritable.length > 0
            ? `${unwritable.map((f) => `${decision.entity}.${f}`).join(', ')}: not a field Driftwatch writes; ` +
              `set it on ${decision.survivor} in ${decision.system} by hand`
            : null;
    return { ...this.base(decision, MERGE_SURVIVOR, decision.survivor, changes), blockedBy };
  }

  /** One task per losing duplicate: its status set to the system's retired state, if the connector can. */
  private duplicateDrafts(decision: MergeDecisionForFixups, connector: Connector | string): Draft[] {
    const retired = typeof connector === 'string' ? undefined : RETIRED_STATUS[connector.kind];
    return decision.duplicates.map(({ entityKey, status }) => {
      const cannot =
        typeof connector === 'string'
          ? connector
          : decision.entity !== 'customer' || retired === undefined
            ? `the ${connector.kind} connector ${connector.id} has no write that marks a ${decision.entity} ` +
              `merged or inactive; merge or deactivate ${entityKey} in ${decision.system} by hand, then dismiss this task`
            : !connector.capabilities.writableEntities.includes(decision.entity)
              ? `the ${connector.kind} connector ${connector.id} does not write ${decision.entity} records`
              : null;
      const changes: FixupFieldChange[] =
        cannot === null ? [{ field: 'status', column: 'status', expectedOld: status, newValue: retired }] : [];
      return { ...this.base(decision, MERGE_DUPLICATE, entityKey, changes), blockedBy: cannot };
    });
  }
}

function stateOf(
  policy: FixPolicy,
  source: ResolvedPolicy['source'],
  blockedBy: string | null,
  itemId: string,
): Pick<NewFixupTask, 'state' | 'stateReason'> {
  const origin = `merge decision on stewardship item ${itemId}`;
  if (blockedBy !== null) return { state: 'needs_review', stateReason: `${origin}: ${blockedBy}` };
  switch (policy) {
    case 'auto':
      return { state: 'approved', stateReason: `${origin}: auto policy (${source})` };
    case 'approval':
      return {
        state: 'proposed',
        stateReason: `${origin}: approval required (${source === 'rule' ? 'default for merges' : source})`,
      };
    case 'manual':
      return { state: 'needs_review', stateReason: `${origin}: manual policy (${source})` };
  }
}
