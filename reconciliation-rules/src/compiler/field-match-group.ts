/**
 * Fused compilation of field_match rules that read the same records: a pack often has several
 * field_match rules over the same entity and systems (the customer pack: billing address, contact
 * channels, legal identity over [erp, crm]). Compiled one by one, each runs the same narrow
 * (match-key hash, field_hash) join to find the records that differ, then reads and pairs them;
 * fused, that work happens once and only the comparisons are per rule.
 */
import { createHash } from 'node:crypto';
import type { Rule, RuleOfKind } from '../rules/rule.schema';
import { array, sql, type SqlFragment } from '../sql/sql-fragment';
import { ContextReader, RuleCompileError, type CompileContext } from './compile-context';
import { compileRule } from './compile-rule';
import { compileFieldMatchFused } from './field-match.compiler';
import { findingShapeOf } from './finding-row';

type FieldMatchRule = RuleOfKind<'field_match'>;

/**
 * A key such that field_match rules with equal non-null keys (computed against the same context) can
 * be compiled together by compileFieldMatchGroup: it covers everything their reads depend on besides
 * the compared fields and settle times (each rule's rows are judged with its own) — entity, systems
 * in order, match key and match-key hash expressions, the field_hash fast path, and each system's
 * source relation. Null for a rule that is not field_match, and for one that does not compile on its
 * own (missing source, a field owned outside its systems): compile that one with compileRule, which
 * reports the error, so it cannot fail a whole group.
 */
export function fieldMatchFusionKey(rule: Rule, context: CompileContext): string | null {
  if (rule.kind !== 'field_match') return null;
  try {
    compileRule(rule, context);
  } catch (error) {
    if (error instanceof RuleCompileError) return null;
    throw error;
  }
  return readsKey(rule, context);
}

/** fieldMatchFusionKey of a field_match rule known to compile. */
function readsKey(rule: FieldMatchRule, context: CompileContext): string {
  const reader = new ContextReader(context, rule.id);
  const { entity, systems, match_key: matchField } = rule.spec;
  const reads = JSON.stringify({
    prefilter: reader.prefilter,
    matchKey: reader.matchKey(entity, matchField).text,
    matchKeyHash: reader.matchKeyHash(entity, matchField).text,
    sources: systems.map((system) => [reader.source(entity, system).text, reader.lookupSource(entity, system).text]),
  });
  const digest = createHash('sha256').update(reads).digest('hex');
  return `field_match:${entity}:${systems.join(',')}:${digest}`;
}

/**
 * One SELECT returning FINDING_COLUMNS whose rows are exactly the union (as a multiset) of
 * `compileRule(rule, context).findings` over `rules`, each row naming the rule (id, version) that
 * produced it. The rules must be field_match rules with one non-null fieldMatchFusionKey; the narrow
 * differing-records join runs once per pairing of systems, and the union of the rules' compared
 * columns is read and paired once. A group of one is that rule's own query. Throws RuleCompileError
 * naming the rule that does not compile or does not belong to the group. Run with
 * COMPILED_RULE_SETTINGS, like every compiled rule.
 */
export function compileFieldMatchGroup(rules: readonly Rule[], context: CompileContext): SqlFragment {
  if (rules.length === 0) throw new Error('compileFieldMatchGroup needs at least one rule');
  // Each rule compiled on its own first: its own errors, named after it, exactly as compileRule throws them.
  const compiled = rules.map((rule) => compileRule(rule, context));
  const group: FieldMatchRule[] = rules.map((rule) => {
    if (rule.kind !== 'field_match') {
      throw new RuleCompileError(rule.id, `a ${rule.kind} rule cannot be compiled in a field_match group`);
    }
    return rule;
  });
  if (group.length === 1) return compiled[0].findings;
  const [lead] = group;
  // Every rule compiled above, so its key needs no second compilation.
  const key = readsKey(lead, context);
  for (const rule of group.slice(1)) {
    if (readsKey(rule, context) !== key) {
      throw new RuleCompileError(
        rule.id,
        `reads other records than ${lead.id} (entity, systems, match key or sources differ): it cannot be fused with it`,
      );
    }
  }
  const reader = new ContextReader(context, lead.id);
  try {
    const inner = compileFieldMatchFused(group, reader);
    return findingShapeOf(
      {
        id: sql`arrayElement(${array(group.map((r) => r.id))}, f_rule)`,
        version: sql`arrayElement(${array(group.map((r) => r.version))}, f_rule)`,
        entity: sql`${lead.spec.entity}`,
      },
      inner,
    );
  } catch (error) {
    if (error instanceof RuleCompileError) throw error;
    throw new RuleCompileError(lead.id, error instanceof Error ? error.message : String(error));
  }
}
