/**
 * `npm run rules:test`: every rule of the default pack against its fixture file
 * (reconciliation-rules/fixtures/<rule-id>.yaml) on the real ClickHouse, with and without the
 * field_hash fast path, which must not change a single finding.
 */
import { basename } from 'node:path';
import {
  DEFAULT_FIXTURES_DIR,
  DEFAULT_OWNERSHIP_FILE,
  DEFAULT_RULES_DIR,
  loadOwnership,
  loadRuleFixtures,
  loadRules,
  runFixtureCase,
} from '@driftwatch/reconciliation-rules';
import { isolatedClickHouse } from '../support/test-services';
import { fixtureExecutor } from './clickhouse-fixture-executor';

const { rules } = loadRules(DEFAULT_RULES_DIR);
const ownership = loadOwnership(DEFAULT_OWNERSHIP_FILE);
const fixtures = loadRuleFixtures(DEFAULT_FIXTURES_DIR);
const cases = fixtures.flatMap(({ fixture }) =>
  fixture.cases.flatMap((c) => [true, false].map((prefilter) => [fixture.rule, c.name, prefilter, c] as const)),
);

describe('rule fixtures against the real ClickHouse', () => {
  let clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>;
  let namespace = 0;

  beforeAll(async () => {
    clickhouse = await isolatedClickHouse();
  });

  afterAll(async () => {
    await clickhouse.drop();
  });

  it('every rule of the default pack ships a fixture file named after it', () => {
    const withFixtures = fixtures.map(({ file }) => basename(file, '.yaml')).sort();
    expect(withFixtures).toEqual(rules.map((r) => r.rule.id).sort());
    for (const { file, fixture } of fixtures) expect(fixture.rule).toBe(basename(file, '.yaml'));
  });

  it.each(cases)('%s: %s (field_hash prefilter %s)', async (ruleId, _name, prefilter, fixtureCase) => {
    const rule = rules.find((r) => r.rule.id === ruleId)?.rule;
    if (!rule) throw new Error(`fixture for unknown rule ${ruleId}`);
    const result = await runFixtureCase(rule, ownership, fixtureCase, fixtureExecutor(clickhouse), {
      namespace: `fx${namespace++}`,
      prefilter,
    });
    expect(result.actual).toEqual(result.expected);
    if (result.expectedLatency) expect(result.actualLatency).toEqual(result.expectedLatency);
    for (const finding of result.findings) expect(() => JSON.parse(finding.details) as unknown).not.toThrow();
  });
});
