import { parsePolicyFile, PolicyFileError, resolvePolicy } from './fixup-policy';

const rule = { id: 'customer.contact-channels-match', fix_policy: 'auto' as const };

describe('fix policy resolution', () => {
  it("uses the rule's fix_policy when nothing overrides it", () => {
    expect(resolvePolicy(rule, 'erp')).toEqual({ policy: 'auto', source: 'rule' });
  });

  it('lets the most specific override win: system+rule over system default over rule override', () => {
    const overrides = parsePolicyFile(`
version: 1
rules:
  customer.contact-channels-match: approval
systems:
  erp:
    default: manual
    rules:
      customer.contact-channels-match: auto
  crm:
    default: approval
`);
    expect(resolvePolicy(rule, 'erp', overrides)).toEqual({ policy: 'auto', source: 'system rule override' });
    expect(resolvePolicy(rule, 'crm', overrides)).toEqual({ policy: 'approval', source: 'system default' });
    expect(resolvePolicy(rule, 'wms', overrides)).toEqual({ policy: 'approval', source: 'rule override' });
    expect(resolvePolicy({ id: 'other.rule', fix_policy: 'manual' }, 'wms', overrides).policy).toBe('manual');
  });

  it('names the bad entry of an invalid policy file', () => {
    expect(() => parsePolicyFile('version: 1\nrules:\n  a.rule: sometimes\n')).toThrow(PolicyFileError);
    expect(() => parsePolicyFile('version: 1\nrules:\n  a.rule: sometimes\n')).toThrow(/rules\.a\.rule/);
    expect(() => parsePolicyFile('version: 1\nsystems:\n  erp: { defualt: auto }\n')).toThrow(/systems\.erp/);
    expect(() => parsePolicyFile('version: [')).toThrow(/not valid YAML/);
  });
});
