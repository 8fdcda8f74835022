/**
 * Rule + context → ClickHouse SQL. Every kind's findings query returns the same columns
 * (FINDING_COLUMNS) and uses only SQL that ClickHouse 18.16 and current releases both run: no CTEs,
 * one JOIN per SELECT (nested subqueries otherwise), no window functions, FULL JOIN via USING.
 */
import type { Rule, RuleKind } from '../rules/rule.schema';
import type { SqlFragment } from '../sql/sql-fragment';
import { compileAggregate } from './aggregate.compiler';
import { ContextReader, RuleCompileError, type CompileContext } from './compile-context';
import { compileCustomSql } from './custom-sql.compiler';
import { compileDuplicates } from './duplicates.compiler';
import { compileFieldMatch } from './field-match.compiler';
import { findingShape } from './finding-row';
import { compileFreshness } from './freshness.compiler';
import { compileHierarchy } from './hierarchy.compiler';
import { compilePresence } from './presence.compiler';
import { compilePropagationLatency, compilePropagationSla } from './propagation-sla.compiler';

export interface CompiledRule {
  ruleId: string;
  ruleVersion: number;
  kind: RuleKind;
  /** The systems whose data the query reads (for flood guards and run records). */
  systems: string[];
  /** SELECT returning FINDING_COLUMNS; usable as `INSERT INTO findings_history (…) <findings>`. */
  findings: SqlFragment;
  /** propagation_sla only: one row of latency percentiles for the route. */
  latency?: SqlFragment;
}

function entityOf(rule: Rule): string {
  switch (rule.kind) {
    case 'aggregate':
      return rule.spec.expected.entity;
    case 'freshness':
      return 'snapshot';
    case 'field_match':
    case 'presence':
    case 'duplicates':
    case 'hierarchy':
    case 'propagation_sla':
    case 'custom_sql':
      return rule.spec.entity;
  }
}

function systemsOf(rule: Rule, reader: ContextReader): string[] {
  switch (rule.kind) {
    case 'field_match':
    case 'duplicates':
    case 'hierarchy':
    case 'freshness':
      return [...rule.spec.systems];
    case 'presence':
      return rule.spec.check === 'orphan'
        ? [...rule.spec.systems, ...(rule.spec.parent_system ? [rule.spec.parent_system] : [])]
        : [rule.spec.source ?? reader.context.ownership.entities[rule.spec.entity]?.record ?? '', ...rule.spec.targets];
    case 'aggregate':
      return [rule.spec.expected.system, rule.spec.actual.system];
    case 'propagation_sla':
      return [rule.spec.from, rule.spec.to];
    case 'custom_sql':
      return Object.keys(reader.context.sources[rule.spec.entity] ?? {});
  }
}

function inner(rule: Rule, reader: ContextReader): SqlFragment {
  switch (rule.kind) {
    case 'field_match':
      return compileFieldMatch(rule, reader);
    case 'presence':
      return compilePresence(rule, reader);
    case 'duplicates':
      return compileDuplicates(rule, reader);
    case 'hierarchy':
      return compileHierarchy(rule, reader);
    case 'aggregate':
      return compileAggregate(rule, reader);
    case 'propagation_sla':
      return compilePropagationSla(rule, reader);
    case 'freshness':
      return compileFreshness(rule, reader);
    case 'custom_sql':
      return compileCustomSql(rule, reader);
  }
}

export function compileRule(rule: Rule, context: CompileContext): CompiledRule {
  const reader = new ContextReader(context, rule.id);
  try {
    const identity = { id: rule.id, version: rule.version, entity: entityOf(rule) };
    return {
      ruleId: rule.id,
      ruleVersion: rule.version,
      kind: rule.kind,
      systems: systemsOf(rule, reader),
      findings: findingShape(identity, inner(rule, reader)),
      latency: rule.kind === 'propagation_sla' ? compilePropagationLatency(rule, reader) : undefined,
    };
  } catch (error) {
    if (error instanceof RuleCompileError) throw error;
    throw new RuleCompileError(rule.id, error instanceof Error ? error.message : String(error));
  }
}
