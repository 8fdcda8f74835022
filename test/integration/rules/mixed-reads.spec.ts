/**
 * A field_match pairing a system read from its whole-state snapshot with one read from the current
 * state (FINAL): the records that may differ are read once, through the current state the snapshot
 * equals, and the findings are exactly those of reading both systems from the current state — on the
 * real ClickHouse, with superseded and deleted versions on the current-state side, full and targeted.
 */
import {
  COMPILED_RULE_SETTINGS,
  compileRule,
  currentStateSources,
  DEFAULT_OWNERSHIP_FILE,
  ident,
  loadOwnership,
  parseRuleOrThrow,
  restrictToKeys,
  type CompileContext,
  type FindingRow,
} from '@driftwatch/reconciliation-rules';
import { ClickHouseMigrator } from '../../../backend/src/clickhouse/clickhouse-migrator';
import { isolatedClickHouse } from '../support/test-services';

const RULE = parseRuleOrThrow(
  `id: x.erp-wms-names
version: 1
description: d
owner: t
severity: low
domain: customer
fix_policy: manual
kind: field_match
spec:
  entity: customer
  systems: [erp, wms]
  fields:
    - { field: legal_name, owner: erp, normalize: [trim, lower] }
    - { field: tax_id, owner: erp }
`,
  'x.erp-wms-names.yaml',
);
const CAPTURED = 1767225600;
const N = 120;
type Row = Record<string, string | number>;

function rows(): { snapshot: Row[]; current: Row[] } {
  const snapshot: Row[] = [];
  const current: Row[] = [];
  const at = { captured_at: CAPTURED, source_updated_at: CAPTURED };
  for (let i = 1; i <= N; i++) {
    const erp = {
      system: 'erp',
      entity_key: `erp-${i}`,
      customer_number: `C${i}`,
      legal_name: `Acme ${i}`,
      tax_id: `T${i}`,
    };
    snapshot.push({ ...erp, ...at, snapshot_id: 'snap-erp-1' });
    current.push({ ...erp, ...at, snapshot_id: 'snap-erp-1', version: 1, deleted: 0 });
    if (i % 11 === 0) continue; // missing in the WMS
    const wms = {
      ...erp,
      system: 'wms',
      entity_key: `wms-${i}`,
      legal_name: i % 7 === 0 ? ` ACME ${i} ` : `Acme ${i}`,
    };
    current.push({ ...wms, ...at, snapshot_id: 'snap-wms-1', version: 1, deleted: 0 });
    // A later incremental: some records change (a few back to agreeing), some are deleted.
    if (i % 3 === 0) {
      const changed = { ...wms, legal_name: i % 2 ? `Acme ${i} Ltd` : `Acme ${i}`, tax_id: i % 5 ? `T${i}` : `T${i}X` };
      current.push({ ...changed, ...at, snapshot_id: 'snap-wms-2', version: 2, deleted: i % 13 === 0 ? 1 : 0 });
    }
    if (i % 4 === 1)
      current.push({ ...wms, ...at, tax_id: 'stale', snapshot_id: 'snap-wms-0', version: 0, deleted: 0 });
  }
  return { snapshot, current };
}

const multiset = (found: readonly FindingRow[]): string[] =>
  found.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
// Reads of the records that may differ: each builds the differing-key set (the narrow join) again.
const keyedReads = (text: string): number => text.split('PREWHERE key_hash IN (SELECT arrayJoin(').length - 1;

describe('field_match over a whole-state snapshot and a current-state system (real ClickHouse)', () => {
  let clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>;
  const ownership = loadOwnership(DEFAULT_OWNERSHIP_FILE);
  const allCurrent = currentStateSources({ customer: ['erp', 'wms'] });
  const mixed = currentStateSources({ customer: ['erp', 'wms'] }, { customer: { erp: 'snap-erp-1' } });
  const targets = ['C3', 'C6', 'C7', 'C11', 'C14', 'C21', 'C26', 'C39', 'C-none'];
  const run = (context: Omit<CompileContext, 'ownership'>) => {
    const text = compileRule(RULE, { ownership, ...context }).findings;
    return clickhouse
      .query<FindingRow>(text, { tag: 'test.mixed-reads', settings: COMPILED_RULE_SETTINGS })
      .then((found) => ({ found, text: text.text }));
  };

  beforeAll(async () => {
    clickhouse = await isolatedClickHouse();
    await new ClickHouseMigrator(clickhouse).migrate();
    const { snapshot, current } = rows();
    await clickhouse.insert(ident('snapshot_customer'), snapshot, { tag: 'test.seed' });
    await clickhouse.insert(ident('current_customer'), current, { tag: 'test.seed' });
  });

  afterAll(async () => {
    await clickhouse.drop();
  });

  it.each([
    ['a full run', (s: CompileContext['sources']) => s],
    ['a targeted run', (s: CompileContext['sources']) => restrictToKeys(s, { customer: targets })],
  ])('%s: one keyed read, the same findings as reading both from the current state', async (_name, scope) => {
    const expected = await run({ sources: scope(allCurrent) });
    const actual = await run({ sources: scope(mixed) });
    expect(keyedReads(actual.text)).toBe(1);
    expect(multiset(actual.found)).toEqual(multiset(expected.found));
    expect(actual.found.length).toBeGreaterThan(0);
    // The narrow comparison still reads the ERP's snapshot, not its current state.
    expect(actual.text).toContain("snapshot_id = 'snap-erp-1'");
  });
});
