import { Injectable } from '@nestjs/common';
import { RuleCompileError, type Ownership, type Rule } from '@driftwatch/reconciliation-rules';
import { RulePreviewsService } from './rule-previews.service';
import { RuleCatalogService } from './rule-catalog.service';
import { ruleReads } from './rule-scope';
import type { CompiledRuleView, RuleDefinitionView, RuleListView, RuleSummaryView } from './rules.dto';

/** The rule pack as the dashboard reads it: summaries, one rule's definition and the SQL it compiles to. */
@Injectable()
export class RulesService {
  constructor(
    private readonly catalog: RuleCatalogService,
    private readonly previews: RulePreviewsService,
  ) {}

  list(): RuleListView {
    const set = this.catalog.load();
    const items = set.rules.map((rule) => summaryOf(rule, set.ownership)).sort((a, b) => a.id.localeCompare(b.id));
    return { items, errors: set.errors };
  }

  /** Throws UnknownRuleError when the pack has no such rule (or its file failed to load). */
  async get(ruleId: string): Promise<RuleDefinitionView> {
    const set = this.catalog.load();
    const rule = this.catalog.find(set, ruleId);
    let compiled: CompiledRuleView;
    try {
      const c = await this.previews.compileForCurrentState(set, rule);
      compiled = { findingsSql: c.findings.text, latencySql: c.latency?.text ?? null, error: null };
    } catch (error) {
      // A rule that loads but cannot compile is still worth showing; anything else (ClickHouse down) is a failure.
      if (!(error instanceof RuleCompileError)) throw error;
      compiled = { findingsSql: null, latencySql: null, error: error.message };
    }
    return { ...summaryOf(rule, set.ownership), definition: rule, compiled };
  }
}

function summaryOf(rule: Rule, ownership: Ownership): RuleSummaryView {
  const systems = rule.kind === 'freshness' ? rule.spec.systems : ruleReads(rule, ownership).map((read) => read.system);
  return {
    id: rule.id,
    version: rule.version,
    description: rule.description,
    owner: rule.owner,
    severity: rule.severity,
    domain: rule.domain,
    kind: rule.kind,
    fix_policy: rule.fix_policy,
    enabled: rule.enabled,
    systems: [...new Set(systems)],
  };
}
