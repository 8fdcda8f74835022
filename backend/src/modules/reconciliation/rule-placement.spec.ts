import { DEFAULT_RULES_DIR, loadRules, sql, type CompileContext, type Rule } from '@driftwatch/reconciliation-rules';
import { rulePlacement } from './rule-placement';

const context = { ownership: { version: 1, entities: {} }, sources: {} } as unknown as CompileContext;
const pack = loadRules(DEFAULT_RULES_DIR).rules.map((r) => r.rule);
const byId = (id: string): Rule => {
  const rule = pack.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id} in the default pack`);
  return rule;
};

describe('rulePlacement', () => {
  it('runs same-entity comparisons on the shard key shard-locally and everything else globally (default pack)', () => {
    const placements = Object.fromEntries(pack.map((r) => [r.id, rulePlacement(r, context)]));
    expect(placements['customer.billing-address-match']).toBe('shard_local');
    expect(placements['customer.presence']).toBe('shard_local');
    expect(placements['order.status-match']).toBe('shard_local');
    expect(placements['customer.duplicates']).toBe('global');
    expect(placements['customer.hierarchy']).toBe('global');
    expect(placements['contact.customer-orphans']).toBe('global');
    expect(placements['credit.open-order-exposure']).toBe('global');
    expect(placements['order.status-propagation-sla']).toBe('global');
    for (const rule of pack) {
      const local = rule.kind === 'field_match' || (rule.kind === 'presence' && rule.spec.check === 'missing');
      expect([rule.id, placements[rule.id]]).toEqual([rule.id, local ? 'shard_local' : 'global']);
    }
  });

  it('runs a comparison on another key, or under a crosswalk, globally', () => {
    const rule = byId('customer.billing-address-match');
    if (rule.kind !== 'field_match') throw new Error('expected a field_match rule');
    expect(rulePlacement({ ...rule, spec: { ...rule.spec, match_key: 'customer_number' } }, context)).toBe(
      'shard_local',
    );
    expect(rulePlacement({ ...rule, spec: { ...rule.spec, match_key: 'tax_id' } }, context)).toBe('global');
    expect(rulePlacement(rule, { ...context, matchKeys: { customer: sql`global_id` } })).toBe('global');
    expect(rulePlacement(rule, { ...context, matchKeys: { order: sql`global_id` } })).toBe('shard_local');
  });
});
