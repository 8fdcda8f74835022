import { Injectable, Logger } from '@nestjs/common';
import pLimit from 'p-limit';
import { ENTITY_KINDS, type EntityKind, type FindingRow, type Rule } from '@driftwatch/reconciliation-rules';
import { ConfigService } from '../../config/config.service';
import type { FindingObservation } from '../findings/finding';
import { FindingsMergeRepository, type UpsertOutcome } from '../findings/findings-merge.repository';
import { FindingsService } from '../findings/findings.service';
import { CurrentStateService } from './current-state.service';
import {
  assessSnapshots,
  SUSPICIOUS_SNAPSHOT_RULE,
  SUSPICIOUS_SNAPSHOT_RULE_VERSION,
  type SnapshotHealth,
} from './flood-guard';
import { ReconciliationRunsRepository, type ReconciliationTrigger } from './reconciliation-runs.repository';
import type { RuleOutcome, RunTarget, SkippedRule, SnapshotHold } from './reconciliation.dto';
import { ReconciliationStoreRepository, type CatalogSnapshot } from './reconciliation-store.repository';
import { RuleCatalogService, type RuleSet } from './rule-catalog.service';
import { compileUnit, evaluationUnits } from './evaluation-units';
import { rulePlacement } from './rule-placement';
import { domainOfEntity, pairKey, ruleEntity, ruleReads, TARGETABLE_KINDS } from './rule-scope';

/** Findings merges of one run in flight at once (one Postgres connection each). */
const MERGE_CONCURRENCY = 2;
/**
 * A rule of the run's last unit with at least this many findings is merged as MERGE_CONCURRENCY
 * disjoint parts at once: one merge is one Postgres backend on one core, and once ClickHouse is done a
 * large rule's merge is the run's tail. Earlier rules merge whole, leaving ClickHouse a core.
 */
const MERGE_SPLIT_MIN_FINDINGS = 20_000;

export interface RunRequest {
  trigger: ReconciliationTrigger;
  ruleIds?: string[];
  /** A targeted run: only these match keys of one entity (given, or those of an event-triggered snapshot). */
  target?: RunTarget;
  jobId?: string;
}

export interface RunSummary {
  runId: string;
  status: 'complete' | 'failed';
  findingsTotal: number;
  resolvedTotal: number;
  ruleCounts: Record<string, RuleOutcome>;
  held: SnapshotHold[];
}

/**
 * Runs rules against the current state (or a key subset of it) and records findings in ClickHouse and
 * their lifecycle in Postgres (single-rule previews: RulePreviewsService).
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    private readonly catalog: RuleCatalogService,
    private readonly store: ReconciliationStoreRepository,
    private readonly runs: ReconciliationRunsRepository,
    private readonly findings: FindingsMergeRepository,
    private readonly config: ConfigService,
    /** Lifts expired suppressions with their audit entries (the findings' own decisions). */
    private readonly findingActions: FindingsService,
    private readonly currentState: CurrentStateService,
  ) {}

  /** One reconciliation run; runs are serialised across processes (see withRunLock). */
  run(request: RunRequest): Promise<RunSummary> {
    return this.runs.withRunLock(() => this.runLocked(request));
  }

  private async runLocked(request: RunRequest): Promise<RunSummary> {
    const set = this.catalog.load();
    const started = Date.now();
    const runId = await this.runs.start({
      trigger: request.trigger,
      scope: { ruleIds: request.ruleIds ?? null, target: request.target ?? null },
      jobId: request.jobId,
    });
    const ruleCounts: Record<string, RuleOutcome> = {};
    const ruleVersions: Record<string, number> = {};
    const skipped: SkippedRule[] = [];
    let held: SnapshotHold[] = [];
    let snapshots: Record<string, string> = {};
    let findingsTotal = 0;
    let resolvedTotal = 0;
    let retiredTotal = 0;
    try {
      const rules = this.selectRules(set, request);
      const latest = await this.store.latestSnapshots();
      snapshots = Object.fromEntries(latest.map((s) => [`${s.system}/${s.entity}`, s.snapshotId]));
      held = await this.floodGuard(latest);
      const heldPairs = new Set(held.map((h) => pairKey(h)));
      const target = await this.currentState.resolveTarget(request.target);
      const context = await this.currentState.context(set, latest, target);
      const available = new Set(latest.map((s) => pairKey(s)));
      const foundAt = new Date();
      const resolvable: { id: string; version: number }[] = [];

      const runnable: Rule[] = [];
      for (const rule of rules) {
        ruleVersions[rule.id] = rule.version;
        const reads = ruleReads(rule, set.ownership);
        const absent = reads.filter((r) => !available.has(pairKey(r)));
        if (absent.length > 0) {
          const reason = `no complete snapshot of ${absent.map(pairKey).join(', ')}`;
          ruleCounts[rule.id] = { version: rule.version, status: 'skipped', reason };
          skipped.push({ ruleId: rule.id, reason });
          continue;
        }
        const blocking = rule.kind === 'presence' ? reads.filter((r) => heldPairs.has(pairKey(r))) : [];
        if (blocking.length > 0) {
          ruleCounts[rule.id] = {
            version: rule.version,
            status: 'held',
            reason: `suspicious snapshot of ${blocking.map(pairKey).join(', ')}`,
          };
          continue;
        }
        runnable.push(rule);
      }

      // ClickHouse evaluates one unit after another while Postgres merges the previous rules' findings
      // (in rule order, MERGE_CONCURRENCY at a time: each merge is one Postgres backend, and once
      // ClickHouse is done the last merges would otherwise leave a core idle).
      const merge = pLimit(MERGE_CONCURRENCY);
      const merges: Promise<void>[] = [];
      const failed = (
        rule: Rule,
        error: unknown,
        work: { queryMs: number; mergeMs?: number; fusedWith?: string[] },
      ) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.error(`run ${runId}: rule ${rule.id} failed: ${reason}`);
        ruleCounts[rule.id] = {
          version: rule.version,
          status: 'failed',
          reason,
          durationMs: work.queryMs + (work.mergeMs ?? 0),
          ...work,
        };
      };
      const units = evaluationUnits(runnable, context);
      for (const [position, unit] of units.entries()) {
        const queryStarted = Date.now();
        try {
          await this.store.insertFindings(runId, foundAt, compileUnit(unit, context), rulePlacement(unit[0], context));
        } catch (error) {
          for (const rule of unit) failed(rule, error, { queryMs: Date.now() - queryStarted });
          continue;
        }
        const queryMs = Date.now() - queryStarted;
        const fusedWith = (rule: Rule) =>
          unit.length > 1 ? { fusedWith: unit.filter((r) => r !== rule).map((r) => r.id) } : {};
        // Only the last unit's merges are the run's tail (see MERGE_SPLIT_MIN_FINDINGS).
        let counts = new Map<string, number>();
        if (position === units.length - 1) {
          try {
            counts = await this.store.countRunFindings(
              runId,
              unit.map((r) => r.id),
            );
          } catch (error) {
            for (const rule of unit) failed(rule, error, { queryMs, ...fusedWith(rule) });
            continue;
          }
        }
        for (const rule of unit) {
          const parts = (counts.get(rule.id) ?? 0) >= MERGE_SPLIT_MIN_FINDINGS ? MERGE_CONCURRENCY : 1;
          let mergeStarted: number | undefined;
          const merged = Array.from({ length: parts }, (_, index) =>
            merge(() => {
              mergeStarted ??= Date.now();
              const rows = this.store.streamFindings(runId, rule.id, parts > 1 ? { index, of: parts } : undefined);
              return this.mergeFindings(runId, foundAt, rule, rows, target !== undefined);
            }),
          );
          const work = Promise.allSettled(merged).then((results) => {
            const mergeMs = Date.now() - (mergeStarted ?? Date.now());
            const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
            if (rejected) {
              failed(rule, rejected.reason, { queryMs, mergeMs, ...fusedWith(rule) });
              return;
            }
            const sum = { seen: 0, inserted: 0, reopened: 0, unsettled: 0 };
            for (const r of results) {
              if (r.status !== 'fulfilled') continue;
              sum.seen += r.value.seen;
              sum.inserted += r.value.inserted;
              sum.reopened += r.value.reopened;
              sum.unsettled += r.value.unsettled;
            }
            ruleCounts[rule.id] = {
              version: rule.version,
              status: 'ran',
              findings: sum.seen,
              new: sum.inserted,
              reopened: sum.reopened,
              ...(sum.unsettled > 0 ? { unsettled: sum.unsettled } : {}),
              durationMs: queryMs + mergeMs,
              queryMs,
              mergeMs,
              ...(parts > 1 ? { mergeParts: parts } : {}),
              ...fusedWith(rule),
            };
            findingsTotal += sum.seen;
            resolvable.push({ id: rule.id, version: rule.version });
          });
          merges.push(work);
        }
      }
      await Promise.all(merges);

      // Suspicious snapshots are findings of their own; a full run also resolves the ones that recovered.
      const suspicious = held.map((h) => suspiciousFinding(h, rules, set));
      if (suspicious.length > 0) {
        await this.store.insertFindingRows(runId, foundAt, suspicious);
        const merged = await this.mergeFindings(runId, foundAt, null, toAsync(suspicious), target !== undefined);
        findingsTotal += merged.seen;
      }
      if (!target) resolvable.push({ id: SUSPICIOUS_SNAPSHOT_RULE, version: SUSPICIOUS_SNAPSHOT_RULE_VERSION });

      // Before resolution, so a lifted finding this run did not see is resolved by it rather than left
      // open until the next run; lifted findings it saw are open with this run's sighting already.
      const lifted = await this.findingActions.liftExpiredSuppressions(new Date());
      const closed = await this.findings.resolveUnseen(runId, foundAt, {
        rules: resolvable,
        ...(target ? { entity: target.entity, matchKeys: target.keys } : {}),
      });
      for (const [ruleId, { resolved, retired }] of closed) {
        resolvedTotal += resolved;
        retiredTotal += retired;
        const outcome = ruleCounts[ruleId];
        if (outcome) Object.assign(outcome, { resolved, ...(retired > 0 ? { retired } : {}) });
      }
      // A full run of a pack that loaded whole: the active findings of rules no longer in it (removed or
      // disabled) are retired, instead of staying open for ever. A pack with a file that failed to load
      // (it may hold the rule) or with no enabled rule (a mistaken rules directory) retires nothing.
      const enabled = set.rules.filter((r) => r.enabled).map((r) => r.id);
      if (!request.ruleIds && !request.target && set.errors.length === 0 && enabled.length > 0) {
        for (const [ruleId, retired] of await this.findings.retireRulesOutside([
          ...enabled,
          SUSPICIOUS_SNAPSHOT_RULE,
        ])) {
          retiredTotal += retired;
          skipped.push({
            ruleId,
            reason: `not in the rule pack (removed or disabled): ${retired} active findings retired`,
          });
        }
      }

      const failures = Object.entries(ruleCounts).filter(([, o]) => o.status === 'failed');
      const status = failures.length > 0 ? 'failed' : 'complete';
      const error = failures.length > 0 ? failures.map(([id, o]) => `${id}: ${o.reason ?? ''}`).join('; ') : null;
      await this.runs.finish(runId, {
        status,
        snapshots,
        ruleVersions,
        ruleCounts,
        held,
        skipped,
        findingsTotal,
        resolvedTotal,
        error,
        durationMs: Date.now() - started,
      });
      this.logger.log(
        `run ${runId} ${status}: ${findingsTotal} findings, ${resolvedTotal} resolved, ${retiredTotal} retired, ` +
          `${lifted.length} expired suppressions lifted, ${held.length} held`,
      );
      return { runId, status, findingsTotal, resolvedTotal, ruleCounts, held };
    } catch (error) {
      await this.runs.finish(runId, {
        status: 'failed',
        snapshots,
        ruleVersions,
        ruleCounts,
        held,
        skipped,
        findingsTotal,
        resolvedTotal,
        error: error instanceof Error ? error.message : String(error),
        durationMs: Date.now() - started,
      });
      throw error;
    }
  }

  assertRulesExist(ruleIds: readonly string[]): void {
    const set = this.catalog.load();
    for (const id of ruleIds) this.catalog.find(set, id);
  }

  private selectRules(set: RuleSet, request: RunRequest): Rule[] {
    let rules = set.rules.filter((r) => r.enabled);
    if (request.ruleIds) {
      for (const id of request.ruleIds) this.catalog.find(set, id);
      rules = rules.filter((r) => request.ruleIds?.includes(r.id));
    }
    if (request.target) {
      const entity = request.target.entity;
      rules = rules.filter((r) => TARGETABLE_KINDS.includes(r.kind) && ruleEntity(r) === entity);
    }
    return rules;
  }

  private async floodGuard(latest: CatalogSnapshot[]): Promise<SnapshotHold[]> {
    const [recent, runs] = await Promise.all([this.store.recentFullSnapshots(2), this.runs.latestSnapshotRuns()]);
    const pairs = new Map<string, SnapshotHealth>();
    const healthOf = (system: string, entity: EntityKind): SnapshotHealth => {
      const key = `${system}/${entity}`;
      let h = pairs.get(key);
      if (!h) {
        h = { system, entity, latestRun: null, fullSnapshots: [] };
        pairs.set(key, h);
      }
      return h;
    };
    for (const s of latest) healthOf(s.system, s.entity);
    for (const s of recent) healthOf(s.system, s.entity).fullSnapshots.push(s);
    for (const r of runs) {
      if ((ENTITY_KINDS as readonly string[]).includes(r.entity)) {
        healthOf(r.system, r.entity).latestRun = { id: r.id, status: r.status, error: r.error };
      }
    }
    return assessSnapshots([...pairs.values()], this.config.get('RECONCILIATION_MAX_ROW_DROP'));
  }

  private async mergeFindings(
    runId: string,
    foundAt: Date,
    rule: Rule | null,
    rows: AsyncIterable<FindingRow>,
    targeted: boolean,
  ): Promise<UpsertOutcome> {
    return this.findings.mergeRun(runId, foundAt, observations(rows, rule), { targeted });
  }
}

async function* observations(rows: AsyncIterable<FindingRow>, rule: Rule | null): AsyncGenerator<FindingObservation> {
  for await (const row of rows) yield observationOf(row, rule);
}

function observationOf(row: FindingRow, rule: Rule | null): FindingObservation {
  const entity = row.entity as EntityKind;
  return {
    ruleId: row.rule_id,
    ruleVersion: Number(row.rule_version),
    entity: row.entity,
    matchKey: row.match_key,
    field: row.field,
    kind: row.kind,
    ownerSystem: row.owner_system,
    expectedValue: row.expected_value,
    actualSystem: row.actual_system,
    actualValue: row.actual_value,
    details: row.details,
    score: Number(row.score),
    severity: rule?.severity ?? 'high',
    domain:
      rule?.domain ?? ((ENTITY_KINDS as readonly string[]).includes(entity) ? domainOfEntity(entity) : 'customer'),
  };
}

function suspiciousFinding(hold: SnapshotHold, rules: readonly Rule[], set: RuleSet): FindingRow {
  const heldRules = rules
    .filter((r) => r.kind === 'presence' && ruleReads(r, set.ownership).some((p) => pairKey(p) === pairKey(hold)))
    .map((r) => r.id);
  return {
    rule_id: SUSPICIOUS_SNAPSHOT_RULE,
    rule_version: SUSPICIOUS_SNAPSHOT_RULE_VERSION,
    entity: hold.entity,
    match_key: `${hold.system}/${hold.entity}`,
    field: '',
    kind: 'suspicious_snapshot',
    owner_system: hold.system,
    expected_value: hold.previousRowCount === undefined ? '' : String(hold.previousRowCount),
    actual_system: hold.system,
    actual_value: hold.rowCount === undefined ? '' : String(hold.rowCount),
    details: JSON.stringify({
      reason: hold.reason,
      message: hold.message,
      snapshot_id: hold.snapshotId,
      held_rules: heldRules,
    }),
    score: 1,
  };
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}
