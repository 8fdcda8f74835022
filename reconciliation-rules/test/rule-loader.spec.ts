import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem, loadRules, parseRule, parseRuleOrThrow, RuleFileError } from '../src';

const VALID = `id: customer.name-match
version: 2
description: Names agree.
owner: finance-data
severity: high
domain: customer
fix_policy: approval
kind: field_match
spec:
  entity: customer
  systems: [erp, crm]
  fields:
    - field: legal_name
      normalize: [company_suffix]
`;

describe('rule loader', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rules-'));
    mkdirSync(join(dir, 'customer'));
    mkdirSync(join(dir, 'credit'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('parses a valid rule with defaults filled in', () => {
    const result = parseRule(VALID, 'x.yaml');
    expect('rule' in result && result.rule).toMatchObject({
      id: 'customer.name-match',
      version: 2,
      enabled: true,
      kind: 'field_match',
      spec: { fields: [{ field: 'legal_name', normalize: ['company_suffix'] }] },
    });
  });

  it('names file, line and field for a wrong enum value', () => {
    const text = VALID.replace('severity: high', 'severity: urgent');
    const result = parseRule(text, 'rules/customer/bad.yaml');
    expect('problems' in result && result.problems).toEqual([
      expect.objectContaining({ file: 'rules/customer/bad.yaml', line: 5, field: 'severity' }),
    ]);
  });

  it('points at the line of a nested unknown field and of a field the entity lacks', () => {
    const text = VALID.replace('    - field: legal_name', '    - field: legal_nme');
    const result = parseRule(text, 'bad.yaml');
    expect('problems' in result && result.problems).toEqual([
      expect.objectContaining({ line: 13, field: 'spec.fields.0.field', message: 'customer has no field legal_nme' }),
    ]);
    const extra = parseRule(VALID.replace('  entity: customer', '  entity: customer\n  colour: blue'), 'extra.yaml');
    expect('problems' in extra && extra.problems[0]).toMatchObject({ line: 10, field: 'spec' });
    expect('problems' in extra && extra.problems[0].message).toMatch(/colour/);
  });

  it('refuses settle_on without settle, and a settle_on outside either/owner, at its line', () => {
    const alone = parseRule(`${VALID}  settle_on: owner\n`, 's.yaml');
    expect('problems' in alone && alone.problems).toEqual([
      expect.objectContaining({ line: 15, field: 'spec.settle_on', message: 'settle_on needs settle' }),
    ]);
    const wrong = parseRule(`${VALID}  settle: 10m\n  settle_on: copy\n`, 's.yaml');
    expect('problems' in wrong && wrong.problems).toEqual([
      expect.objectContaining({ line: 16, field: 'spec.settle_on' }),
    ]);
    const good = parseRule(`${VALID}  settle: 10m\n  settle_on: owner\n`, 's.yaml');
    expect('rule' in good && good.rule.spec).toMatchObject({ settle: '10m', settle_on: 'owner' });
  });

  it('points at the parent when a required field is missing', () => {
    const result = parseRule(VALID.replace('owner: finance-data\n', ''), 'missing.yaml');
    expect('problems' in result && result.problems).toEqual([expect.objectContaining({ line: 1, field: 'owner' })]);
  });

  it('reports YAML syntax errors with their line instead of throwing', () => {
    const result = parseRule('id: x\nspec: [unclosed\nversion: 1\n', 'syntax.yaml');
    expect('problems' in result && result.problems.length).toBeGreaterThan(0);
    expect('problems' in result && result.problems[0].line).toBeGreaterThan(0);
  });

  it('reports an alias bomb (billions of laughs) as a problem of the file instead of throwing', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const result = parseRule(`${levels.join('\n')}\n`, 'bomb.yaml');
    expect('problems' in result && result.problems[0].message).toMatch(/alias/i);
    expect(() => parseRuleOrThrow(`${levels.join('\n')}\n`, 'bomb.yaml')).toThrow(RuleFileError);
  });

  it('throws a typed error whose message says file:line:column: field: problem', () => {
    expect(() => parseRuleOrThrow(VALID.replace('version: 2', 'version: 0'), 'v.yaml')).toThrow(RuleFileError);
    try {
      parseRuleOrThrow(VALID.replace('version: 2', 'version: 0'), 'v.yaml');
    } catch (error) {
      expect((error as RuleFileError).message).toMatch(/^v\.yaml:2:\d+: version: /);
      expect(formatProblem((error as RuleFileError).problems[0])).toMatch(/^v\.yaml:2:/);
    }
  });

  it('loads the good files of a folder and reports each broken one without stopping', () => {
    writeFileSync(join(dir, 'customer', 'a-good.yaml'), VALID);
    writeFileSync(join(dir, 'customer', 'b-broken.yaml'), 'id: [\n');
    writeFileSync(
      join(dir, 'customer', 'c-invalid.yaml'),
      VALID.replace('customer.name-match', 'customer.other').replace('kind: field_match', 'kind: telepathy'),
    );
    writeFileSync(join(dir, 'customer', 'd-duplicate.yaml'), VALID);
    writeFileSync(join(dir, 'credit', 'e-wrong-folder.yaml'), VALID.replace('customer.name-match', 'customer.third'));
    writeFileSync(join(dir, 'credit', 'f-empty.yaml'), '');
    writeFileSync(join(dir, 'credit', 'notes.txt'), 'not a rule');
    const { rules, errors } = loadRules(dir);
    expect(rules.map((r) => r.rule.id)).toEqual(['customer.name-match']);
    const byFile = Object.fromEntries(errors.map((e) => [e.file.split('/').pop(), e.problems]));
    expect(Object.keys(byFile).sort()).toEqual(
      ['b-broken.yaml', 'c-invalid.yaml', 'd-duplicate.yaml', 'e-wrong-folder.yaml', 'f-empty.yaml'].sort(),
    );
    expect(byFile['c-invalid.yaml'][0]).toMatchObject({ line: 8, field: 'kind' });
    expect(byFile['d-duplicate.yaml'][0]).toMatchObject({ line: 1, field: 'id' });
    expect(byFile['d-duplicate.yaml'][0].message).toMatch(/duplicate rule id customer\.name-match/);
    expect(byFile['e-wrong-folder.yaml'][0]).toMatchObject({ line: 6, field: 'domain' });
    expect(byFile['e-wrong-folder.yaml'][0].message).toMatch(/sits in credit/);
    expect(byFile['f-empty.yaml'][0].message).toMatch(/empty/);
  });

  it('rejects semantic mistakes per kind with the field path', () => {
    const presence = `id: p
version: 1
description: d
owner: t
severity: low
domain: order
fix_policy: auto
kind: presence
spec:
  check: missing
  entity: order
  source: erp
  targets: [erp, crm]
  filter:
    - field: colour
      in: [red]
`;
    const result = parseRule(presence, 'p.yaml');
    expect('problems' in result && result.problems.map((p) => [p.field, p.line])).toEqual([
      ['spec.targets', 13],
      ['spec.filter.0.field', 15],
    ]);
    const duplicates = parseRule(
      `id: d\nversion: 1\ndescription: d\nowner: t\nseverity: low\ndomain: customer\nfix_policy: manual\nkind: duplicates\n` +
        `spec:\n  entity: customer\n  systems: [crm]\n  filter:\n    - field: state\n      not_in: [inactive]\n    - field: status\n      in: [a]\n      not_in: [b]\n  exact:\n    - fields: [tax_id]\n`,
      'd.yaml',
    );
    expect('problems' in duplicates && duplicates.problems.map((p) => [p.field, p.message])).toEqual([
      ['spec.filter.1', 'give exactly one of in, not_in'],
    ]);
    const unknownField = parseRule(
      `id: d\nversion: 1\ndescription: d\nowner: t\nseverity: low\ndomain: customer\nfix_policy: manual\nkind: duplicates\n` +
        `spec:\n  entity: customer\n  systems: [crm]\n  filter:\n    - field: state\n      not_in: [inactive]\n  exact:\n    - fields: [tax_id]\n`,
      'd.yaml',
    );
    expect('problems' in unknownField && unknownField.problems.map((p) => [p.field, p.line, p.message])).toEqual([
      ['spec.filter.0.field', 13, 'customer has no field state'],
    ]);
    const tolerance = parseRule(VALID.replace('normalize: [company_suffix]', 'tolerance: { absolute: 1 }'), 't.yaml');
    expect('problems' in tolerance && tolerance.problems[0]).toMatchObject({
      field: 'spec.fields.0.tolerance',
      line: 14,
    });
  });
});
