import {
  currentStateSources,
  DEFAULT_OWNERSHIP_FILE,
  DEFAULT_RULES_DIR,
  ENTITY_KINDS,
  ident,
  loadOwnership,
  loadRules,
  type CompileContext,
  type EntityKind,
} from '@driftwatch/reconciliation-rules';
import { compileUnit, evaluationUnits } from './evaluation-units';

const pack = loadRules(DEFAULT_RULES_DIR).rules.map((r) => r.rule);
const systems = Object.fromEntries(ENTITY_KINDS.map((e) => [e, ['erp', 'crm', 'wms']])) as Record<EntityKind, string[]>;
const context: CompileContext = {
  ownership: loadOwnership(DEFAULT_OWNERSHIP_FILE),
  sources: currentStateSources(systems, {}),
  events: ident('entity_events'),
};
const CUSTOMER_FIELD_MATCH = [
  'customer.billing-address-match',
  'customer.contact-channels-match',
  'customer.legal-identity-match',
];

describe('evaluationUnits (default pack, current state)', () => {
  const units = evaluationUnits(pack, context);
  const ids = units.map((unit) => unit.map((r) => r.id));

  it('keeps every rule exactly once', () => {
    expect(ids.flat().sort()).toEqual(pack.map((r) => r.id).sort());
  });

  it('evaluates field comparisons of the same systems in one unit (credit, customer), every other rule alone', () => {
    expect(ids.filter((unit) => unit.length > 1)).toEqual([
      ['credit.hold-visibility', 'credit.terms-and-limit-match'],
      CUSTOMER_FIELD_MATCH,
    ]);
  });

  it('orders quick kinds first: freshness and presence before field comparisons, duplicates last', () => {
    const kinds = units.map((unit) => unit[0]?.kind);
    expect(kinds[0]).toBe('freshness');
    expect(kinds.indexOf('presence')).toBeLessThan(kinds.indexOf('field_match'));
    expect(kinds.lastIndexOf('field_match')).toBeLessThan(kinds.indexOf('duplicates'));
    expect(kinds.at(-1)).toBe('duplicates');
  });

  it('compiles a fused unit to one query naming each of its rules', () => {
    const fused = units.find((unit) => unit[0]?.id === CUSTOMER_FIELD_MATCH[0]) ?? [];
    const text = compileUnit(fused, context).text;
    for (const id of CUSTOMER_FIELD_MATCH) expect(text).toContain(`'${id}'`);
  });
});
