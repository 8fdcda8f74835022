import { Injectable } from '@nestjs/common';
import {
  compileRule,
  snapshotSources,
  type CompiledRule,
  type EntityKind,
  type Rule,
} from '@driftwatch/reconciliation-rules';
import { ident } from '../../clickhouse/sql';
import { CurrentStateService } from './current-state.service';
import { ReconciliationStoreRepository, type CatalogSnapshot } from './reconciliation-store.repository';
import { InvalidReconciliationRequestError } from './reconciliation-request.error';
import type { BacktestPoint, BacktestView, DryRunView } from './reconciliation.dto';
import { RuleCatalogService, type RuleSet } from './rule-catalog.service';
import { pairKey, ruleEntity, ruleReads, type SourceRead } from './rule-scope';

export const MAX_PREVIEW = 5000;
export const MAX_BACKTEST_POINTS = 100;
/** The last second a ClickHouse DateTime holds (2106-02-07T06:28:15Z). */
const CATALOG_TIME_MAX_MS = 4_294_967_295_000;

/** Single rules previewed without persisting anything: their SQL now, a dry-run, a backtest over past snapshots. */
@Injectable()
export class RulePreviewsService {
  constructor(
    private readonly catalog: RuleCatalogService,
    private readonly store: ReconciliationStoreRepository,
    private readonly currentState: CurrentStateService,
  ) {}

  /**
   * The SQL a run would execute for this rule now (current-state sources, confirmed crosswalk links,
   * last complete snapshots); reads the snapshot catalog, runs nothing. Throws RuleCompileError.
   */
  async compileForCurrentState(set: RuleSet, rule: Rule): Promise<CompiledRule> {
    return compileRule(rule, (await this.currentState.current(set)).context);
  }

  /** Compiles and runs one rule now against the current state; writes nothing. */
  async dryRun(input: { ruleId?: string; yaml?: string; keys?: string[]; limit?: number }): Promise<DryRunView> {
    const set = this.catalog.load();
    const rule = this.ruleOf(set, input);
    const entity = ruleEntity(rule);
    const target = input.keys && entity ? { entity, keys: input.keys } : undefined;
    const compiled = compileRule(rule, (await this.currentState.current(set, target)).context);
    const limit = Math.min(input.limit ?? 100, MAX_PREVIEW);
    const [byKind, findings] = await Promise.all([
      this.store.countFindings(compiled.findings),
      this.store.previewFindings(compiled.findings, limit),
    ]);
    const total = Object.values(byKind).reduce((a, b) => a + b, 0);
    return { ruleId: rule.id, ruleVersion: rule.version, total, byKind, truncated: total > findings.length, findings };
  }

  /** Runs one rule against each past point where its systems had complete full snapshots; writes nothing. */
  async backtest(input: {
    ruleId?: string;
    yaml?: string;
    from?: Date;
    to?: Date;
    maxPoints?: number;
  }): Promise<BacktestView> {
    const set = this.catalog.load();
    const rule = this.ruleOf(set, input);
    const reads = dedupe(ruleReads(rule, set.ownership));
    if (reads.length === 0) {
      throw new InvalidReconciliationRequestError(
        `a ${rule.kind} rule does not read snapshots and cannot be backtested`,
      );
    }
    const to = input.to ?? new Date();
    const from = input.from ?? new Date(0);
    if (from > to) throw new InvalidReconciliationRequestError('from must not be after to');
    // The snapshot catalog's completed_at is a ClickHouse DateTime (unsigned seconds since 1970, up to 2106).
    for (const [name, at] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (at.getTime() < 0 || at.getTime() > CATALOG_TIME_MAX_MS) {
        throw new InvalidReconciliationRequestError(`${name} must be between 1970-01-01 and 2106-02-07`);
      }
    }
    const history = await this.store.fullSnapshotsBetween(reads, from, to);
    const points = [...new Set(history.map((s) => s.completedAt.getTime()))].sort((a, b) => a - b);
    const maxPoints = Math.min(input.maxPoints ?? MAX_BACKTEST_POINTS, MAX_BACKTEST_POINTS);
    const hits: BacktestPoint[] = [];
    for (const point of points.slice(-maxPoints)) {
      const ids: Partial<Record<EntityKind, Record<string, string>>> = {};
      const chosen: Record<string, string> = {};
      for (const read of reads) {
        const snapshot = latestAtOrBefore(history, read, point);
        if (!snapshot) break;
        (ids[read.entity] ??= {})[read.system] = snapshot.snapshotId;
        chosen[pairKey(read)] = snapshot.snapshotId;
      }
      if (Object.keys(chosen).length < reads.length) continue;
      const compiled = compileRule(rule, {
        ownership: set.ownership,
        sources: snapshotSources(ids),
        events: ident('entity_events'),
        asOf: new Date(point),
      });
      const byKind = await this.store.countFindings(compiled.findings);
      hits.push({
        at: new Date(point).toISOString(),
        snapshots: chosen,
        total: Object.values(byKind).reduce((a, b) => a + b, 0),
        byKind,
      });
    }
    return { ruleId: rule.id, ruleVersion: rule.version, points: hits };
  }

  private ruleOf(set: RuleSet, input: { ruleId?: string; yaml?: string }): Rule {
    if ((input.ruleId === undefined) === (input.yaml === undefined)) {
      throw new InvalidReconciliationRequestError('give exactly one of ruleId and rule');
    }
    return input.yaml !== undefined ? this.catalog.parse(input.yaml) : this.catalog.find(set, input.ruleId ?? '');
  }
}

function dedupe(reads: SourceRead[]): SourceRead[] {
  return [...new Map(reads.map((r) => [pairKey(r), r])).values()];
}

function latestAtOrBefore(history: CatalogSnapshot[], read: SourceRead, at: number): CatalogSnapshot | undefined {
  let found: CatalogSnapshot | undefined;
  for (const s of history) {
    if (s.system === read.system && s.entity === read.entity && s.completedAt.getTime() <= at) found = s;
  }
  return found;
}
