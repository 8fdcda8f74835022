import { join } from 'node:path';
import {
  compileFieldMatchGroup,
  compileRule,
  DEFAULT_RULES_DIR,
  ident,
  loadRules,
  parseRuleOrThrow,
  restrictToKeys,
  RuleCompileError,
  RULES_PACKAGE_ROOT,
  snapshotSources,
  sql,
  tableSource,
  type Rule,
} from '../src';
import { goldenContext } from './compile-context.fixture';
import { golden } from './golden-files';

const GOLDEN_DIR = join(RULES_PACKAGE_ROOT, 'test', 'golden');
const pack = loadRules(DEFAULT_RULES_DIR).rules.map((loaded) => loaded.rule);
const byId = (id: string): Rule => {
  const rule = pack.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id} in the default pack`);
  return rule;
};

function expectGolden(name: string, text: string): void {
  const committed = golden(join(GOLDEN_DIR, `${name}.sql`), `${text}\n`);
  expect(committed).toBe(`${text}\n`);
}

/** Constructs ClickHouse 18.16 cannot run. The fixture specs run the SQL for real; this catches regressions early. */
function expectPortable(text: string): void {
  expect(text).not.toMatch(/\bWITH\s+\w+\s+AS\s*\(\s*SELECT/i);
  expect(text).not.toMatch(/\bOVER\s*\(/i);
  expect(text).not.toMatch(/\bASOF\b/i);
  expect(text).not.toMatch(/\bFULL\s+(OUTER\s+)?JOIN\b[^()]*\bON\b/i);
  expect(text).not.toMatch(/\b(trimBoth|ngramDistance|levenshtein|JSONExtract|toStartOfInterval|xxHash64)\b/i);
  expect(text).not.toContain(';');
}

describe('compiled SQL of the default pack (golden files; UPDATE_GOLDEN=1 regenerates)', () => {
  it('covers every rule kind', () => {
    expect(new Set(pack.map((r) => r.kind))).toEqual(
      new Set([
        'field_match',
        'presence',
        'duplicates',
        'hierarchy',
        'aggregate',
        'propagation_sla',
        'freshness',
        'custom_sql',
      ]),
    );
  });

  it.each(pack.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
    const compiled = compileRule(rule, goldenContext());
    expect(compiled).toMatchObject({ ruleId: id, ruleVersion: rule.version, kind: rule.kind });
    expectPortable(compiled.findings.text);
    expectGolden(id, compiled.findings.text);
    if (compiled.latency) {
      expectPortable(compiled.latency.text);
      expectGolden(`${id}.latency`, compiled.latency.text);
    }
  });
});

describe('the same rule against other sources (golden files)', () => {
  const nameMatch = byId('customer.legal-identity-match');

  it('without the field_hash fast path', () => {
    expectGolden(
      'variant.field-match-no-prefilter',
      compileRule(nameMatch, goldenContext({ fieldHashPrefilter: false })).findings.text,
    );
  });

  it('against one snapshot per system (backtest)', () => {
    const sources = snapshotSources({ customer: { erp: 'snap-erp-1', crm: 'snap-crm-7' } });
    expectGolden('variant.field-match-backtest', compileRule(nameMatch, goldenContext({ sources })).findings.text);
  });

  it('restricted to the keys an event touched (targeted run)', () => {
    const context = goldenContext();
    const sources = restrictToKeys(context.sources, { customer: ['C-1001', "O'Brien & Co"] });
    expectGolden(
      'variant.presence-targeted',
      compileRule(byId('customer.presence'), { ...context, sources }).findings.text,
    );
  });

  it('duplicates with record filters (in and not_in) applied before keys, blocks and pairs', () => {
    const rule = parseRuleOrThrow(
      `id: x.duplicates\nversion: 1\ndescription: d\nowner: t\nseverity: low\ndomain: customer\nfix_policy: manual\n` +
        `kind: duplicates\nspec:\n  entity: customer\n  systems: [crm]\n` +
        `  filter:\n    - { field: status, in: [active, prospect] }\n    - { field: account_team, not_in: ["O'Brien"] }\n` +
        `  exact:\n    - fields: [tax_id]\n` +
        `  fuzzy:\n    field: legal_name\n    threshold: 0.6\n    blocking:\n      - fields: [billing_address_country]\n`,
      'x.duplicates.yaml',
    );
    const text = compileRule(rule, goldenContext()).findings.text;
    expectPortable(text);
    expectGolden('variant.duplicates-filtered', text);
    // Every read of the relation is filtered: the two exact-key scans and the four fuzzy record reads.
    expect(text.match(/`status` IN \('active', 'prospect'\)/g)).toHaveLength(6);
    expect(text.match(/`account_team` NOT IN \('O\\'Brien'\)/g)).toHaveLength(6);
  });

  it('duplicates without a filter read the relation unfiltered', () => {
    const { filter, ...spec } = byId('customer.duplicates').spec as Extract<Rule, { kind: 'duplicates' }>['spec'];
    expect(filter.length).toBeGreaterThan(0);
    const unfiltered = { ...byId('customer.duplicates'), spec: { ...spec, filter: [] } } as Rule;
    expect(compileRule(unfiltered, goldenContext()).findings.text).not.toMatch(/`status`/);
  });

  it('with a crosswalk id as the match key (the seam for the identity crosswalk)', () => {
    const withGlobalId = (system: string) =>
      sql`(SELECT * FROM ${tableSource(ident('current_customer'), system, { final: true, liveOnly: true })}
        ALL LEFT JOIN (SELECT entity_key, global_id FROM crosswalk FINAL WHERE system = ${system} AND entity = 'customer') USING entity_key)`;
    const context = goldenContext({
      sources: { customer: { erp: withGlobalId('erp'), crm: withGlobalId('crm') } },
      matchKeys: { customer: ident('global_id') },
    });
    expectGolden('variant.field-match-crosswalk', compileRule(nameMatch, context).findings.text);
  });
});

describe('fused field_match rules (golden file)', () => {
  it('the three customer field_match rules of the pack as one query', () => {
    const group = [
      byId('customer.billing-address-match'),
      byId('customer.contact-channels-match'),
      byId('customer.legal-identity-match'),
    ];
    const text = compileFieldMatchGroup(group, goldenContext()).text;
    expectPortable(text);
    expectGolden('fused.customer-field-match', text);
  });
});

describe('compile errors', () => {
  it('names the rule and the missing source', () => {
    const context = goldenContext({ sources: {} });
    expect(() => compileRule(byId('customer.presence'), context)).toThrow(RuleCompileError);
    expect(() => compileRule(byId('customer.presence'), context)).toThrow(
      /customer\.presence: the context has no source for customer in system erp/,
    );
  });

  it('refuses a field whose owner is not among the compared systems', () => {
    const rule = parseRuleOrThrow(
      `id: x\nversion: 1\ndescription: d\nowner: t\nseverity: low\ndomain: customer\nfix_policy: auto\nkind: field_match\nspec:\n  entity: customer\n  systems: [crm, wms]\n  fields:\n    - field: legal_name\n`,
      'x.yaml',
    );
    expect(() => compileRule(rule, goldenContext())).toThrow(/owned by erp, which is not in spec.systems/);
  });

  it('needs an events relation for SLA rules', () => {
    expect(() => compileRule(byId('order.status-propagation-sla'), goldenContext({ events: undefined }))).toThrow(
      /no events relation/,
    );
  });

  it('quotes hostile keys in targeted runs instead of splicing them', () => {
    const context = goldenContext();
    const sources = restrictToKeys(context.sources, { customer: ["x') OR 1=1 --"] });
    const text = compileRule(byId('customer.presence'), { ...context, sources }).findings.text;
    expect(text).toContain("IN (SELECT arrayJoin(['x\\') OR 1=1 --']))");
    expect(text).not.toContain("'x') OR 1=1");
  });
});
