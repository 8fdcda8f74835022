/**
 * Which field_match rules fuse (fieldMatchFusionKey) and how compileFieldMatchGroup refuses what
 * does not. That the fused SQL returns exactly the rules' own rows is checked on the real ClickHouse
 * in test/integration/rules/field-match-group.spec.ts; its text is a golden file
 * (compile-rule.golden.spec.ts).
 */
import {
  compileFieldMatchGroup,
  compileRule,
  DEFAULT_RULES_DIR,
  fieldMatchFusionKey,
  ident,
  loadRules,
  parseRuleOrThrow,
  restrictToKeys,
  RuleCompileError,
  snapshotSources,
  sql,
  type Rule,
} from '../src';
import { goldenContext } from './compile-context.fixture';

const pack = loadRules(DEFAULT_RULES_DIR).rules.map((loaded) => loaded.rule);
const byId = (id: string): Rule => {
  const rule = pack.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id} in the default pack`);
  return rule;
};
const CUSTOMER_FIELD_MATCH = [
  'customer.billing-address-match',
  'customer.contact-channels-match',
  'customer.legal-identity-match',
].map(byId);

function fieldMatch(id: string, spec: string): Rule {
  return parseRuleOrThrow(
    `id: ${id}\nversion: 2\ndescription: d\nowner: t\nseverity: low\ndomain: customer\nfix_policy: auto\nkind: field_match\nspec:\n${spec}`,
    `${id}.yaml`,
  );
}

const count = (text: string, part: string): number => text.split(part).length - 1;

describe('fieldMatchFusionKey', () => {
  it('gives the three customer field_match rules of the pack one key, and no other rule of the pack that key', () => {
    const context = goldenContext();
    const [key, ...others] = CUSTOMER_FIELD_MATCH.map((rule) => fieldMatchFusionKey(rule, context));
    expect(key).toEqual(expect.stringMatching(/^field_match:customer:erp,crm:[0-9a-f]{64}$/));
    expect(others).toEqual([key, key]);
    const rest = pack.filter((rule) => !CUSTOMER_FIELD_MATCH.includes(rule));
    for (const rule of rest) expect(fieldMatchFusionKey(rule, context)).not.toBe(key);
  });

  it('is null for rules of other kinds', () => {
    const context = goldenContext();
    for (const rule of pack.filter((r) => r.kind !== 'field_match')) {
      expect(fieldMatchFusionKey(rule, context)).toBeNull();
    }
  });

  it('differs with the systems, their order, the match key and the read context', () => {
    const context = goldenContext();
    const base = fieldMatchFusionKey(
      fieldMatch('x.a', '  entity: customer\n  systems: [erp, crm]\n  fields:\n    - field: legal_name\n'),
      context,
    );
    const variants = [
      fieldMatch('x.b', '  entity: customer\n  systems: [crm, erp]\n  fields:\n    - field: legal_name\n'),
      fieldMatch('x.c', '  entity: customer\n  systems: [erp, crm, wms]\n  fields:\n    - field: legal_name\n'),
      fieldMatch(
        'x.d',
        '  entity: customer\n  systems: [erp, crm]\n  match_key: tax_id\n  fields:\n    - field: legal_name\n',
      ),
    ].map((rule) => fieldMatchFusionKey(rule, context));
    const same = CUSTOMER_FIELD_MATCH[0];
    const contexts = [
      goldenContext({ fieldHashPrefilter: false }),
      goldenContext({ sources: snapshotSources({ customer: { erp: 's1', crm: 's2' } }) }),
      { ...context, sources: restrictToKeys(context.sources, { customer: ['C1'] }) },
      goldenContext({ matchKeys: { customer: ident('global_id') } }),
      goldenContext({ matchKeyHashes: { customer: sql`key_hash` } }),
    ].map((c) => fieldMatchFusionKey(same, c));
    const keys = [base, ...variants, ...contexts];
    expect(keys.every((k) => k !== null)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    expect(fieldMatchFusionKey(same, context)).toBe(base);
  });

  it('is null for a rule that does not compile on its own, so it cannot fail a group', () => {
    const foreignOwner = fieldMatch(
      'x.wms',
      '  entity: customer\n  systems: [crm, wms]\n  fields:\n    - field: legal_name\n',
    );
    expect(fieldMatchFusionKey(foreignOwner, goldenContext())).toBeNull();
    expect(fieldMatchFusionKey(CUSTOMER_FIELD_MATCH[0], goldenContext({ sources: {} }))).toBeNull();
  });
});

describe('compileFieldMatchGroup', () => {
  it('runs the narrow differing-records join and the record read once for the whole group', () => {
    const context = goldenContext();
    const fused = compileFieldMatchGroup(CUSTOMER_FIELD_MATCH, context).text;
    const separate = CUSTOMER_FIELD_MATCH.map((rule) => compileRule(rule, context).findings.text).join('\n');
    expect(count(separate, 'WHERE o_field_hash != x_field_hash')).toBe(3);
    expect(count(fused, 'WHERE o_field_hash != x_field_hash')).toBe(1);
    expect(count(fused, 'PREWHERE key_hash IN')).toBe(1);
    expect(count(fused, 'arrayJoin(arrayFilter(k -> k != 0')).toBe(1);
    // Every comparison of every rule, each tagged with its rule's position in the group.
    expect(fused).toContain('arrayElement([1, 1, 1, 1, 1, 2, 2, 2, 3, 3], f_k) AS f_rule');
  });

  it('is the rule’s own query for a group of one', () => {
    const context = goldenContext();
    expect(compileFieldMatchGroup([CUSTOMER_FIELD_MATCH[2]], context).text).toBe(
      compileRule(CUSTOMER_FIELD_MATCH[2], context).findings.text,
    );
  });

  it('refuses a rule of another kind, naming it', () => {
    const group = [CUSTOMER_FIELD_MATCH[0], byId('customer.presence')];
    expect(() => compileFieldMatchGroup(group, goldenContext())).toThrow(RuleCompileError);
    expect(() => compileFieldMatchGroup(group, goldenContext())).toThrow(
      /rule customer\.presence: a presence rule cannot be compiled in a field_match group/,
    );
  });

  it('refuses rules that read other records, naming the one that does not belong', () => {
    const group = [...CUSTOMER_FIELD_MATCH, byId('contact.fields-match')];
    expect(() => compileFieldMatchGroup(group, goldenContext())).toThrow(
      /rule contact\.fields-match: reads other records than customer\.billing-address-match/,
    );
  });

  it('throws the compile error of the rule that does not compile, as compileRule does', () => {
    const fine = fieldMatch('x.fine', '  entity: customer\n  systems: [crm, wms]\n  fields:\n    - field: phone\n');
    const foreignOwner = fieldMatch(
      'x.bad',
      '  entity: customer\n  systems: [crm, wms]\n  fields:\n    - field: legal_name\n',
    );
    const group = [fine, foreignOwner];
    expect(() => compileFieldMatchGroup(group, goldenContext())).toThrow(
      /rule x\.bad: customer\.legal_name is owned by erp, which is not in spec.systems/,
    );
    expect(() => compileFieldMatchGroup(CUSTOMER_FIELD_MATCH, goldenContext({ sources: {} }))).toThrow(
      /rule customer\.billing-address-match: the context has no source for customer in system erp/,
    );
    expect(() => compileFieldMatchGroup([], goldenContext())).toThrow(/at least one rule/);
  });
});
