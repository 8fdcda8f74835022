import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as babel from 'prettier/plugins/babel';
import * as estree from 'prettier/plugins/estree';
import { format } from 'prettier/standalone';
import { loadRules, ruleJsonSchema, RULES_PACKAGE_ROOT } from '../src';
import { golden } from './golden-files';

describe('published rule JSON Schema', () => {
  const file = join(RULES_PACKAGE_ROOT, 'schema', 'rule.schema.json');
  let generated = '';

  beforeAll(async () => {
    // Formatted as the repository's prettier would, so `npm run lint` accepts the committed file.
    const options = JSON.parse(readFileSync(join(RULES_PACKAGE_ROOT, '..', '.prettierrc.json'), 'utf8')) as object;
    generated = await format(JSON.stringify(ruleJsonSchema()), {
      ...options,
      parser: 'json',
      plugins: [babel, estree],
    });
  });

  it('is committed exactly as the zod schema generates it (UPDATE_GOLDEN=1 regenerates)', () => {
    const committed = golden(file, generated);
    expect(committed).toBe(generated);
  });

  it('describes every rule kind and the common fields', () => {
    const schema = JSON.parse(generated) as {
      oneOf: { properties: { kind: { const: string } }; required: string[] }[];
    };
    const kinds = schema.oneOf.map((variant) => variant.properties.kind.const).sort();
    expect(kinds).toEqual(
      [
        'aggregate',
        'custom_sql',
        'duplicates',
        'field_match',
        'freshness',
        'hierarchy',
        'presence',
        'propagation_sla',
      ].sort(),
    );
    for (const variant of schema.oneOf) {
      expect(variant.required).toEqual(
        expect.arrayContaining([
          'id',
          'version',
          'description',
          'owner',
          'severity',
          'domain',
          'fix_policy',
          'kind',
          'spec',
        ]),
      );
    }
  });

  it('matches the default pack: every shipped rule file loads without problems', () => {
    const { rules, errors } = loadRules(join(RULES_PACKAGE_ROOT, 'rules'));
    expect(errors).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(20);
  });
});
