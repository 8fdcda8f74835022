import {
  compileFieldMatchGroup,
  compileRule,
  fieldMatchFusionKey,
  type CompileContext,
  type Rule,
  type RuleKind,
} from '@driftwatch/reconciliation-rules';
import type { SqlFragment } from '../../clickhouse/sql';

/**
 * Evaluation order by kind: usually quick queries first, so Postgres starts merging early and the long
 * field comparisons and duplicate searches run while it merges what came before them.
 */
const EVALUATION_ORDER: Record<RuleKind, number> = {
  freshness: 0,
  presence: 1,
  custom_sql: 2,
  aggregate: 3,
  hierarchy: 4,
  propagation_sla: 5,
  field_match: 6,
  duplicates: 7,
};

/**
 * The rules of a run as units that ClickHouse evaluates in one query each, in evaluation order:
 * field_match rules that read the same systems alike (fieldMatchFusionKey) share one query, which
 * finds the records that differ once for all of them; every other rule is a unit of its own.
 */
export function evaluationUnits(rules: readonly Rule[], context: CompileContext): Rule[][] {
  const ordered = [...rules].sort((a, b) => EVALUATION_ORDER[a.kind] - EVALUATION_ORDER[b.kind]);
  const units: Rule[][] = [];
  const byKey = new Map<string, Rule[]>();
  for (const rule of ordered) {
    const key = fieldMatchFusionKey(rule, context);
    const unit = key === null ? undefined : byKey.get(key);
    if (unit) {
      unit.push(rule);
      continue;
    }
    const fresh = [rule];
    units.push(fresh);
    if (key !== null) byKey.set(key, fresh);
  }
  return units;
}

/** One unit's findings query (FINDING_COLUMNS, each row naming its rule). Throws RuleCompileError. */
export function compileUnit(unit: readonly Rule[], context: CompileContext): SqlFragment {
  return unit.length === 1 ? compileRule(unit[0], context).findings : compileFieldMatchGroup(unit, context);
}
