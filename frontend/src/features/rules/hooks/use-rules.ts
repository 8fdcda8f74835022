import { useMutation, useQuery } from '@tanstack/react-query';
import type { ApiSchemas } from '../../../api/api-schemas';
import { api, answer } from '../../../api/api-client';

export type RuleOutcome = ApiSchemas['RuleOutcome'];
export type ReconciliationRun = ApiSchemas['ReconciliationRunView'];

/** A rule as the rule pack has it (`GET /api/v1/rules`). */
export type RuleCatalogItem = ApiSchemas['RuleSummaryView'];
/** One rule's full definition and the ClickHouse SQL a run would execute now (`GET /api/v1/rules/:id`). */
export type RuleDefinition = ApiSchemas['RuleDefinitionView'];

export interface RuleSummary {
  ruleId: string;
  /** The pack's entry; absent for a rule that ran once but is no longer in the pack. */
  rule?: RuleCatalogItem;
  version: number;
  latest?: RuleOutcome & { runId: string; at: string };
  runs: number;
}

/** The rule pack: every loaded rule and the files that failed to load. */
export function useRuleCatalog() {
  return useQuery({
    queryKey: ['rules'],
    queryFn: () => answer(api.GET('/api/v1/rules')),
    refetchInterval: 60_000,
  });
}

export function useRuleDefinition(ruleId: string) {
  return useQuery({
    queryKey: ['rules', ruleId],
    queryFn: () => answer(api.GET('/api/v1/rules/{id}', { params: { path: { id: ruleId } } })),
  });
}

/**
 * The latest full reconciliation runs: where the rules' outcomes and hit counts come from. Runs on the
 * keys of change events are left out: far more numerous, each sees a handful of records, so they would
 * crowd the full runs out of the chart and show a rule's latest count as a handful.
 */
export function useRuns(limit = 100) {
  return useQuery({
    queryKey: ['reconciliation-runs', 'full', limit],
    queryFn: () => answer(api.GET('/api/v1/reconciliation/runs', { params: { query: { scope: 'full', limit } } })),
    refetchInterval: 30_000,
  });
}

/** Every rule of the pack and every rule seen in the runs, with its latest outcome when it ran. */
export function rulesOf(catalog: RuleCatalogItem[], runs: ReconciliationRun[]): RuleSummary[] {
  const byRule = new Map<string, RuleSummary>(
    catalog.map((rule) => [rule.id, { ruleId: rule.id, rule, version: rule.version, runs: 0 }]),
  );
  // Runs come newest first: the first sighting of a rule is its latest outcome.
  for (const run of runs) {
    for (const [ruleId, outcome] of Object.entries(run.ruleCounts ?? {})) {
      const seen = byRule.get(ruleId);
      if (seen) {
        seen.runs += 1;
        seen.latest ??= { ...outcome, runId: run.id, at: run.startedAt };
      } else
        byRule.set(ruleId, {
          ruleId,
          version: outcome.version,
          latest: { ...outcome, runId: run.id, at: run.startedAt },
          runs: 1,
        });
    }
  }
  return [...byRule.values()].sort((a, b) => a.ruleId.localeCompare(b.ruleId));
}

/** Findings per run of one rule, oldest first, for the hit-count chart. */
export function hitsOverTime(runs: ReconciliationRun[], ruleId: string) {
  return runs
    .filter((r) => r.ruleCounts?.[ruleId]?.status === 'ran')
    .map((r) => ({
      bucket: new Date(r.startedAt).toISOString().slice(0, 16).replace('T', ' '),
      findings: r.ruleCounts[ruleId]?.findings ?? 0,
      new: r.ruleCounts[ruleId]?.new ?? 0,
    }))
    .reverse();
}

export function useDryRun() {
  return useMutation({
    mutationFn: (ruleId: string) => answer(api.POST('/api/v1/reconciliation/dry-run', { body: { ruleId, limit: 50 } })),
  });
}

export function useBacktest() {
  return useMutation({
    mutationFn: (ruleId: string) =>
      answer(api.POST('/api/v1/reconciliation/backtest', { body: { ruleId, maxPoints: 50 } })),
  });
}
