import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { EntityKind, Rule } from '@driftwatch/reconciliation-rules';
import { RuleCatalogService } from '../reconciliation/rule-catalog.service';
import { StewardshipService } from '../stewardship/stewardship.service';
import { CorrectiveSyncQueues } from './corrective-sync-queues';
import { baseKeyOf, fieldWriteOf } from './fixup-changes';
import { FIXUP_TARGETS, type FixupTargets } from './fixup-connectors';
import { parentWriteOf } from './fixup-hierarchy';
import { FixupParentKeysRepository } from './fixup-parent-keys.repository';
import { applyCaps, assessSpike } from './fixup-guards';
import { FixupPlanningRepository, type PlannableFinding } from './fixup-planning.repository';
import { loadPolicyFile, resolvePolicy } from './fixup-policy';
import { FIXUP_STATES, type FixupState, type NewFixupTask } from './fixup-task';
import { FixupsRepository } from './fixups.repository';
import { FIXUPS_SETTINGS, type FixupsSettings } from './fixups-settings';
import { FixupsMetrics } from './fixups.metrics';

const PAGE = 2000;
const PLANNER = 'fixups:planner';
const PLANNED_KINDS: readonly string[] = ['field_match', 'duplicates', 'presence', 'hierarchy'];
/** Task states nobody has acted on yet (or whose action failed): dismissed once their finding is gone. */
const IDLE_STATES: readonly FixupState[] = [
  'proposed',
  'approved',
  'queued',
  'needs_review',
  'conflict',
  'failed',
  'dead_lettered',
];

/** Per target system: its records' keys by match key, or why the parents could not be resolved there. */
type ParentResolution = Map<string, Map<string, string[]> | { error: string }>;

export class RunNotFinishedError extends Error {
  constructor(runId: string, status: string) {
    super(`reconciliation run ${runId} is ${status}; fix-ups are planned from finished runs`);
    this.name = 'RunNotFinishedError';
  }
}

export interface PlanSummary {
  runId: string;
  created: number;
  queued: number;
  proposed: number;
  needsReview: number;
  held: number;
  toStewardship: number;
  notWritable: number;
  superseded: number;
  resolvedLinked: number;
  dismissedResolved: number;
  /** Idle tasks dismissed because their finding was suppressed (an accepted exception). */
  dismissedSuppressed: number;
}

/** Findings that are decisions for people, not field writes: duplicates and unmatched identities. */
const stewardshipKind = (rule: Rule, findingKind: string): 'duplicate' | 'unmatched_identity' | null => {
  if (rule.kind === 'duplicates') return 'duplicate';
  if (rule.kind === 'presence' && (findingKind === 'missing' || findingKind === 'unexpected'))
    return 'unmatched_identity';
  return null;
};

/**
 * Turns a finished reconciliation run's findings into fix-up tasks. Field mismatches become writes of
 * the owner's value into the other system under the rule's fix policy (overridable per system);
 * auto-fixes pass the blast-radius guards first. A hierarchy mismatch becomes a write of the parent key
 * (the owner's parent resolved to the target's own key), or waits for a person when it cannot be
 * resolved or written. Duplicates and unmatched identities go to the stewardship queue; orphans wait
 * for a person. Tasks whose finding the run resolved are linked to it.
 */
@Injectable()
export class FixupPlannerService {
  private readonly logger = new Logger(FixupPlannerService.name);

  constructor(
    private readonly planning: FixupPlanningRepository,
    private readonly tasks: FixupsRepository,
    private readonly catalog: RuleCatalogService,
    private readonly queues: CorrectiveSyncQueues,
    private readonly metrics: FixupsMetrics,
    private readonly moduleRef: ModuleRef,
    private readonly parentKeys: FixupParentKeysRepository,
    @Inject(FIXUP_TARGETS) private readonly targets: FixupTargets,
    @Inject(FIXUPS_SETTINGS) private readonly settings: FixupsSettings,
  ) {}

  private stewardship(): StewardshipService | null {
    try {
      return this.moduleRef.get(StewardshipService, { strict: false });
    } catch {
      return null;
    }
  }

  async planRun(runId: string): Promise<PlanSummary> {
    const run = await this.planning.run(runId);
    if (!run) throw new Error(`no reconciliation run ${runId}`);
    if (run.status === 'running') throw new RunNotFinishedError(runId, run.status);
    const overrides = loadPolicyFile(this.settings.policyFile);
    const guards = this.settings.guards;
    const summary: PlanSummary = {
      runId,
      created: 0,
      queued: 0,
      proposed: 0,
      needsReview: 0,
      held: 0,
      toStewardship: 0,
      notWritable: 0,
      superseded: 0,
      resolvedLinked: 0,
      dismissedResolved: 0,
      dismissedSuppressed: 0,
    };
    const usedThisHour = new Map<string, number>();
    let autoThisRun = 0;
    const stewardship = this.stewardship();

    for (const rule of this.catalog.load().rules) {
      const outcome = run.ruleCounts[rule.id];
      if (outcome?.status !== 'ran' || !PLANNED_KINDS.includes(rule.kind)) continue;
      const history = await this.planning.ruleHistory(rule.id, run.startedAt, guards.spikeHistoryRuns, run.targeted);
      const spike = assessSpike(rule.id, outcome.findings ?? 0, history, guards);
      if (spike.spiking) this.logger.warn(spike.reason);

      let after = '';
      for (;;) {
        const findings = await this.planning.findingsOfRun(run, rule.id, after, PAGE);
        if (findings.length === 0) break;
        after = findings[findings.length - 1].id;
        const drafts: NewFixupTask[] = [];
        const parents = rule.kind === 'hierarchy' ? await this.resolveParents(rule, findings) : undefined;
        for (const finding of findings) {
          const kind = stewardshipKind(rule, finding.kind);
          if (kind && stewardship) {
            await stewardship.open(
              {
                kind,
                sourceType: 'finding',
                sourceId: finding.id,
                ruleId: rule.id,
                entity: finding.entity,
                system: finding.actualSystem,
                subjectKey: kind === 'duplicate' ? finding.expectedValue : finding.matchKey,
                candidates:
                  kind === 'duplicate'
                    ? [finding.expectedValue, finding.actualValue].map((k) => ({
                        system: finding.actualSystem,
                        entityKey: k,
                      }))
                    : [],
                details: { findingKind: finding.kind, ownerSystem: finding.ownerSystem, details: finding.details },
              },
              PLANNER,
            );
            summary.toStewardship += 1;
            continue;
          }
          const draft = this.draft(rule, finding, runId, kind !== null, overrides, parents);
          if (draft) drafts.push(draft);
          else summary.notWritable += 1;
        }
        const existing = await this.planning.openBaseKeys(drafts.map((d) => d.baseKey));
        const fresh = drafts.filter((d) => !existing.has(d.baseKey));
        const auto = fresh.filter((d) => d.state === 'approved');
        if (spike.spiking) {
          for (const d of auto) Object.assign(d, { state: 'needs_review', stateReason: spike.reason ?? null });
          summary.held += auto.length;
        } else {
          for (const system of new Set(auto.map((d) => d.targetSystem))) {
            if (!usedThisHour.has(system)) {
              usedThisHour.set(system, await this.tasks.countAutoSince(system, new Date(Date.now() - 3_600_000)));
            }
          }
          const { allowed, held } = applyCaps(auto, usedThisHour, {
            ...guards,
            maxAutoPerRun: Math.max(0, guards.maxAutoPerRun - autoThisRun),
          });
          autoThisRun += allowed.length;
          for (const d of allowed) usedThisHour.set(d.targetSystem, (usedThisHour.get(d.targetSystem) ?? 0) + 1);
          for (const { item, reason } of held) Object.assign(item, { state: 'needs_review', stateReason: reason });
          summary.held += held.length;
        }
        summary.superseded += (
          await this.tasks.transition({
            ids: await this.tasks.superseded(fresh.map((d) => ({ findingId: d.findingId, baseKey: d.baseKey }))),
            from: ['proposed', 'needs_review', 'approved'],
            to: 'dismissed',
            actor: PLANNER,
            reason: `superseded: run ${runId} saw different values`,
          })
        ).length;
        const created = await this.tasks.insertMany(fresh, PLANNER);
        summary.created += created.length;
        summary.proposed += created.filter((t) => t.state === 'proposed').length;
        summary.needsReview += created.filter((t) => t.state === 'needs_review').length;
        const approved = created.filter((t) => t.state === 'approved').map((t) => t.id);
        summary.queued += await this.queue(approved, PLANNER, 'auto-fix policy');
      }
    }
    await this.closeResolved(runId, summary);
    await this.closeSuppressed(runId, summary);
    this.metrics.setStates(await this.tasks.countByState(), FIXUP_STATES);
    this.logger.log(
      `run ${runId}: ${summary.created} fix-up tasks (${summary.queued} queued, ${summary.proposed} for approval, ` +
        `${summary.needsReview} for review, ${summary.held} held by guards), ${summary.toStewardship} to stewardship`,
    );
    return summary;
  }

  /** approved → queued (compare-and-set), then one Bull job per task on its target's queue. */
  async queue(ids: readonly string[], actor: string, reason: string): Promise<number> {
    const moved = await this.tasks.transition({ ids, from: ['approved'], to: 'queued', actor, reason });
    const tasks = await this.tasks.findMany(moved.map((m) => m.id));
    await this.queues.enqueue(tasks);
    return tasks.length;
  }

  private draft(
    rule: Rule,
    finding: PlannableFinding,
    runId: string,
    forPeople: boolean,
    overrides: ReturnType<typeof loadPolicyFile>,
    parents?: ParentResolution,
  ): NewFixupTask | null {
    const base = {
      findingId: finding.id,
      ruleId: rule.id,
      ruleKind: rule.kind,
      findingKind: finding.kind,
      entity: finding.entity,
      matchKey: finding.matchKey,
      targetSystem: finding.actualSystem,
      createdRunId: runId,
    };
    const { policy, source } = resolvePolicy(rule, finding.actualSystem, overrides);
    // A task that writes nothing: it waits in needs_review for a person, whatever the policy.
    const forReview = (sourceKey: string, stateReason: string) => ({
      ...base,
      sourceKey,
      changes: [],
      policy,
      state: 'needs_review' as const,
      stateReason,
      baseKey: baseKeyOf(finding.id, finding.actualSystem, []),
    });
    if (forPeople) {
      // No stewardship module in this process: the decision waits here for a person.
      return forReview(finding.matchKey, `${finding.kind}: a person decides (stewardship)`);
    }
    if (rule.kind === 'presence' && finding.kind === 'orphan') {
      // Clearing or re-pointing a parent that is gone is a judgement (usually the parent was deleted).
      return forReview(
        finding.matchKey,
        `orphan: ${finding.entity} ${finding.matchKey} in ${finding.actualSystem} points at ${finding.field} ` +
          `${JSON.stringify(finding.actualValue)}, which is not a record there; a person re-points or clears it`,
      );
    }
    let sourceKey: string;
    let changes;
    // Set when the write would blank the target's value: it waits for a person, whatever the policy.
    let blanking: string | null = null;
    if (rule.kind === 'hierarchy' && finding.kind === 'hierarchy_mismatch') {
      const resolution = parents?.get(finding.actualSystem);
      const write =
        resolution === undefined || 'error' in resolution
          ? parentWriteOf(finding, undefined, resolution?.error ?? 'parents were not resolved')
          : parentWriteOf(finding, resolution.get(finding.expectedValue), null);
      if (write.kind === 'none') return null;
      if (write.kind === 'review') return forReview(write.sourceKey, write.reason);
      sourceKey = write.sourceKey;
      changes = [write.change];
    } else {
      if (rule.kind !== 'field_match' || finding.kind !== 'mismatch') return null;
      const write = fieldWriteOf(finding);
      // Not writable as it stands (no target record named, a value of a type Driftwatch does not write):
      // a person sees why, rather than the finding silently never getting a task.
      if (!write.ok) return forReview(finding.matchKey, `no corrective write: ${write.reason}`);
      sourceKey = write.sourceKey;
      changes = [write.change];
      // The owner holding nothing is as often a gap in what it exposes as a value cleared on purpose.
      // Typed, not by text: a datetime finding shows "no date" as a zero time, not as ''.
      if (isBlank(write.change.newValue) && !isBlank(write.change.expectedOld)) {
        blanking =
          `${finding.ownerSystem} (the owner) holds no ${finding.field}: the write would blank ` +
          `${finding.actualSystem}'s ${JSON.stringify(finding.actualValue)}; approve it if that is meant`;
      }
    }
    const manual =
      policy === 'manual' ? `manual fix policy (${source}): fix it at the source or approve the write` : null;
    return {
      ...base,
      sourceKey,
      changes,
      policy,
      state: blanking
        ? 'needs_review'
        : policy === 'auto'
          ? 'approved'
          : policy === 'approval'
            ? 'proposed'
            : 'needs_review',
      stateReason: blanking ?? manual,
      baseKey: baseKeyOf(finding.id, finding.actualSystem, changes),
    };
  }

  /**
   * Hierarchy findings name the owner's parent by match key; a write needs the target's own key of that
   * record. Resolved per target system in one ClickHouse read; a target the connector cannot write (or
   * a failed read) gets the reason instead, so its tasks wait for a person.
   */
  private async resolveParents(rule: Rule, findings: readonly PlannableFinding[]): Promise<ParentResolution> {
    const resolution: ParentResolution = new Map();
    if (rule.kind !== 'hierarchy') return resolution;
    const entity: EntityKind = rule.spec.entity;
    for (const system of new Set(findings.map((f) => f.actualSystem))) {
      const refusal = this.writeRefusal(system, entity);
      if (refusal !== null) {
        resolution.set(system, { error: refusal });
        continue;
      }
      if (!this.parentKeys.available) {
        resolution.set(system, { error: 'this process has no ClickHouse connection to resolve parent keys' });
        continue;
      }
      const keys = findings.filter((f) => f.actualSystem === system).map((f) => f.expectedValue);
      resolution.set(system, await this.parentKeys.keysInSystem(entity, system, rule.spec.match_key, keys));
    }
    return resolution;
  }

  /** Why no corrective write can reach `entity` records of `system`, or null when its connector writes them. */
  private writeRefusal(system: string, entity: EntityKind): string | null {
    let connector;
    try {
      connector = this.targets.get(system);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    return connector.capabilities.writableEntities.includes(entity)
      ? null
      : `the ${connector.kind} connector ${connector.id} does not write ${entity} records`;
  }

  /**
   * Links tasks whose finding a run resolved or retired; tasks nobody acted on yet are dismissed with
   * the reason (a retired finding's write was asked for by a rule version that no longer holds).
   */
  private async closeResolved(runId: string, summary: PlanSummary): Promise<void> {
    const linked = await this.tasks.linkResolved(runId);
    summary.resolvedLinked = linked.length;
    summary.dismissedResolved = 0;
    const reasons = {
      resolved: 'the finding was resolved (no longer seen by a reconciliation run)',
      retired: 'the finding was retired (the new version of its rule no longer sees it)',
    };
    for (const status of ['resolved', 'retired'] as const) {
      const idle = linked.filter((t) => t.findingStatus === status && IDLE_STATES.includes(t.state)).map((t) => t.id);
      if (idle.length === 0) continue;
      summary.dismissedResolved += (
        await this.tasks.transition({
          ids: idle,
          from: IDLE_STATES,
          to: 'dismissed',
          actor: 'reconciliation',
          reason: reasons[status],
        })
      ).length;
    }
  }

  /**
   * Dismisses the tasks nobody acted on yet of findings suppressed since (an accepted exception needs
   * no write), with who suppressed it and why. They are closed for planning too (`resolved_run_id`):
   * unsuppressed and seen again, the finding gets a fresh task instead of staying blocked by this one.
   * Tasks already under way (applying, verifying) finish; a done one stays as it is.
   */
  private async closeSuppressed(runId: string, summary: PlanSummary): Promise<void> {
    const idle = await this.tasks.ofSuppressedFindings(IDLE_STATES);
    const byReason = new Map<string, string[]>();
    for (const task of idle) {
      const reason = suppressedReason(task.suppressedBy, task.suppressedReason);
      byReason.set(reason, [...(byReason.get(reason) ?? []), task.id]);
    }
    for (const [reason, ids] of byReason) {
      summary.dismissedSuppressed += (
        await this.tasks.transition({
          ids,
          from: IDLE_STATES,
          to: 'dismissed',
          actor: 'reconciliation',
          reason,
          patch: { resolvedRunId: runId },
        })
      ).length;
    }
  }
}

/** Why a suppressed finding's task was dismissed: the suppression's author and reason, when known. */
function suppressedReason(by: string | null, reason: string | null): string {
  return by !== null && reason !== null
    ? `the finding was suppressed by ${by}: ${reason}`
    : 'the finding was suppressed (an accepted exception)';
}

/** A canonical value that holds nothing: no text, or no date. */
function isBlank(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}
