/**
 * hierarchy and orphan rules read only the records that hold or are named by a parent reference, found
 * by narrow scans of every stored version. Their findings must still be exactly those of the current
 * state: checked on real ClickHouse against a plain TypeScript reading of the same records, with parents
 * on one side only, references added, dropped and changed by an incremental, older versions and a
 * deleted record holding references, a parent without a match key, a match key held twice, in every
 * kind of source (current state, whole snapshots, an overlay) and in targeted runs.
 */
import {
  COMPILED_RULE_SETTINGS,
  compileRule,
  ContextReader,
  currentStateSources,
  DEFAULT_OWNERSHIP_FILE,
  DEFAULT_RULES_DIR,
  ident,
  loadOwnership,
  loadRules,
  parseRuleOrThrow,
  restrictToKeys,
  type CompileContext,
  type FindingRow,
  type Rule,
  sql,
} from '@driftwatch/reconciliation-rules';
import { ClickHouseMigrator } from '../../../backend/src/clickhouse/clickhouse-migrator';
import { isolatedClickHouse } from '../support/test-services';

interface Customer {
  system: string;
  entity_key: string;
  customer_number: string;
  parent_key: string;
}
type State = Record<string, Customer[]>;

const N = 40;
const erpRef = (i: number): string =>
  i === 7 ? 'erp-none' : i === 8 ? 'erp-12' : i % 5 === 0 && i !== 15 ? `erp-${i - 1}` : i === 15 ? 'erp-14' : '';
// The CRM's full snapshots (older and latest) and an incremental since the latest.
function crmRef(i: number, snapshot: 0 | 1 | 2): string {
  if (snapshot === 0) return i % 4 === 0 ? `crm-${i + 1}` : '';
  if (i === 10) return 'crm-11';
  if (i === 15) return '';
  if (i === 16) return 'crm-2';
  if (i === 25) return 'crm-none';
  return i % 5 === 0 ? `crm-${i - 1}` : '';
}

const erp: Customer[] = [];
for (let i = 1; i <= N; i++) {
  // erp-12 has no match key: a reference to it resolves to ''.
  erp.push({ system: 'erp', entity_key: `erp-${i}`, customer_number: i === 12 ? '' : `C${i}`, parent_key: erpRef(i) });
}
// C35 twice in the ERP, with different parents.
erp.push({ system: 'erp', entity_key: 'erp-35b', customer_number: 'C35', parent_key: 'erp-1' });

const crm = (snapshot: 0 | 1, i: number): Customer => ({
  system: 'crm',
  entity_key: `crm-${i}`,
  customer_number: snapshot === 0 && i === 20 ? 'C20-old' : `C${i}`,
  parent_key: crmRef(i, snapshot),
});
const crmOld = Array.from({ length: N }, (_, k) => crm(0, k + 1));
// crm-39 and crm-40 are gone from the latest full snapshot: deleted in the current state.
const crmFull = Array.from({ length: N - 2 }, (_, k) => crm(1, k + 1));
const crmIncremental: Customer[] = [
  { system: 'crm', entity_key: 'crm-3', customer_number: 'C3', parent_key: 'crm-1' },
  { system: 'crm', entity_key: 'crm-5', customer_number: 'C5', parent_key: '' },
  { system: 'crm', entity_key: 'crm-30', customer_number: 'C30', parent_key: 'crm-28' },
  { system: 'crm', entity_key: 'crm-21', customer_number: 'C21X', parent_key: 'crm-22' },
  { system: 'crm', entity_key: 'crm-41', customer_number: 'C8', parent_key: 'crm-13' },
];
const CURRENT: State = {
  erp,
  crm: [...crmFull.filter((c) => !crmIncremental.some((x) => x.entity_key === c.entity_key)), ...crmIncremental],
};
const WHOLE: State = { erp, crm: crmFull };

/** The rule's findings read from `state` the plain way: every pair, every parent. */
function expectedHierarchy(state: State, keys?: Set<string>): string[] {
  const resolved = (system: string, ref: string): string[] => {
    const parents = ref === '' ? [] : state[system].filter((p) => p.entity_key === ref);
    return parents.length > 0 ? parents.map((p) => p.customer_number) : [''];
  };
  const children = (system: string) =>
    state[system].filter((c) => c.customer_number !== '' && (!keys || keys.has(c.customer_number)));
  const found: string[] = [];
  for (const o of children('erp'))
    for (const expected of resolved('erp', o.parent_key))
      for (const x of children('crm').filter((c) => c.customer_number === o.customer_number))
        for (const actual of resolved('crm', x.parent_key))
          if (expected !== actual)
            found.push(
              JSON.stringify([
                o.customer_number,
                expected,
                actual,
                o.entity_key,
                o.parent_key,
                x.entity_key,
                x.parent_key,
              ]),
            );
  return found.sort();
}

function expectedOrphans(
  state: State,
  parentField: 'entity_key' | 'customer_number',
  requireReference: boolean,
  keys?: Set<string>,
): string[] {
  const found: string[] = [];
  for (const system of ['erp', 'crm'])
    for (const c of state[system]) {
      if (keys && !keys.has(c.customer_number)) continue;
      const orphan =
        c.parent_key === ''
          ? requireReference
          : !state[system].some((p) => p[parentField] !== '' && p[parentField] === c.parent_key);
      if (orphan) found.push(JSON.stringify([system, c.entity_key, c.parent_key]));
    }
  return found.sort();
}

const hierarchyRows = (rows: FindingRow[]): string[] =>
  rows
    .map((r) => {
      const d = JSON.parse(r.details) as Record<string, string>;
      return JSON.stringify([
        r.match_key,
        r.expected_value,
        r.actual_value,
        d.owner_key,
        d.owner_parent_reference,
        d.actual_key,
        d.actual_parent_reference,
      ]);
    })
    .sort();
const orphanRows = (rows: FindingRow[]): string[] =>
  rows.map((r) => JSON.stringify([r.actual_system, r.match_key, r.actual_value])).sort();

const pack = loadRules(DEFAULT_RULES_DIR).rules.map((r) => r.rule);
const byId = (id: string): Rule => pack.find((r) => r.id === id) as Rule;
const BY_NUMBER = parseRuleOrThrow(
  `id: x.parent-numbers
version: 1
description: d
owner: t
severity: low
domain: customer
fix_policy: manual
kind: presence
spec:
  check: orphan
  entity: customer
  systems: [erp, crm]
  reference: parent_key
  parent_entity: customer
  parent_field: customer_number
  require_reference: true
`,
  'x.parent-numbers.yaml',
);
const KEYS = ['C3', 'C5', 'C7', 'C8', 'C10', 'C15', 'C16', 'C21X', 'C25', 'C30', 'C35', 'C-none'];

describe('hierarchy and orphans read only what holds or is named by a reference (real ClickHouse)', () => {
  let clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>;
  const ownership = loadOwnership(DEFAULT_OWNERSHIP_FILE);
  const systems = { customer: ['erp', 'crm'] };
  const shapes: [string, CompileContext['sources'], State][] = [
    ['the current state', currentStateSources(systems), CURRENT],
    ['whole snapshots', currentStateSources(systems, { customer: { erp: 'erp-1', crm: 'crm-1' } }), WHOLE],
    [
      'an overlay',
      currentStateSources(
        systems,
        { customer: { erp: 'erp-1' } },
        {
          customer: { crm: { full: 'crm-1', incrementals: ['crm-2'] } },
        },
      ),
      CURRENT,
    ],
  ];
  const run = (rule: Rule, sources: CompileContext['sources']) =>
    clickhouse.query<FindingRow>(compileRule(rule, { ownership, sources }).findings, {
      tag: 'test.parent-lookups',
      settings: COMPILED_RULE_SETTINGS,
    });

  beforeAll(async () => {
    clickhouse = await isolatedClickHouse();
    await new ClickHouseMigrator(clickhouse).migrate();
    const at = { captured_at: 1767225600, source_updated_at: 1767225600 };
    const snapshots = [
      ...erp.map((c) => ({ ...c, ...at, snapshot_id: 'erp-1' })),
      ...crmOld.map((c) => ({ ...c, ...at, snapshot_id: 'crm-0' })),
      ...crmFull.map((c) => ({ ...c, ...at, snapshot_id: 'crm-1' })),
      ...crmIncremental.map((c) => ({ ...c, ...at, snapshot_id: 'crm-2' })),
    ];
    // The current state as the pipeline leaves it: every version, the records gone from the latest full
    // snapshot marked deleted, unmerged.
    const gone = crmOld.filter((c) => !crmFull.some((f) => f.entity_key === c.entity_key));
    const current = [
      ...erp.map((c) => ({ ...c, ...at, snapshot_id: 'erp-1', version: 1, deleted: 0 })),
      ...crmOld.map((c) => ({ ...c, ...at, snapshot_id: 'crm-0', version: 0, deleted: 0 })),
      ...crmFull.map((c) => ({ ...c, ...at, snapshot_id: 'crm-1', version: 1, deleted: 0 })),
      ...gone.map((c) => ({ ...c, ...at, snapshot_id: 'crm-1', version: 1, deleted: 1 })),
      ...crmIncremental.map((c) => ({ ...c, ...at, snapshot_id: 'crm-2', version: 2, deleted: 0 })),
    ];
    await clickhouse.insert(ident('snapshot_customer'), snapshots, { tag: 'test.seed' });
    await clickhouse.insert(ident('current_customer'), current, { tag: 'test.seed' });
  });

  afterAll(async () => {
    await clickhouse.drop();
  });

  it('the reference reading finds something of every kind', () => {
    expect(expectedHierarchy(CURRENT).length).toBeGreaterThan(8);
    expect(expectedHierarchy(CURRENT, new Set(KEYS)).length).toBeGreaterThan(4);
    expect(expectedOrphans(CURRENT, 'entity_key', false).length).toBeGreaterThan(1);
    // The incremental changed what a rule finds: reading the stale full snapshot would be noticed.
    expect(expectedHierarchy(WHOLE)).not.toEqual(expectedHierarchy(CURRENT));
  });

  it.each(shapes)(
    'over %s, sourceWhere reads exactly the rows meeting a condition, anyVersionRows at least those',
    async (_name, sources, state) => {
      for (const scope of [sources, restrictToKeys(sources, { customer: KEYS })]) {
        const reader = new ContextReader({ ownership, sources: scope }, 'test');
        const condition = sql`parent_key != ''`;
        const keysOf = async (relation: ReturnType<ContextReader['sourceWhere']>) =>
          (await clickhouse.query<{ k: string }>(sql`SELECT entity_key AS k FROM ${relation}`, { tag: 'test.reads' }))
            .map((r) => r.k)
            .sort();
        const expected = state.crm
          .filter((c) => c.parent_key !== '' && (scope === sources || KEYS.includes(c.customer_number)))
          .map((c) => c.entity_key)
          .sort();
        expect(await keysOf(reader.sourceWhere('customer', 'crm', condition))).toEqual(expected);
        expect(await keysOf(reader.anyVersionRows('customer', 'crm', condition))).toEqual(
          expect.arrayContaining(expected),
        );
      }
    },
  );

  it.each(shapes)('hierarchy over %s, full and targeted', async (_name, sources, state) => {
    const rule = byId('customer.hierarchy');
    expect(hierarchyRows(await run(rule, sources))).toEqual(expectedHierarchy(state));
    const targeted = await run(rule, restrictToKeys(sources, { customer: KEYS }));
    expect(hierarchyRows(targeted)).toEqual(expectedHierarchy(state, new Set(KEYS)));
  });

  it.each(shapes)('orphans over %s, full and targeted', async (_name, sources, state) => {
    const rule = byId('customer.parent-orphans');
    expect(orphanRows(await run(rule, sources))).toEqual(expectedOrphans(state, 'entity_key', false));
    const targeted = await run(rule, restrictToKeys(sources, { customer: KEYS }));
    expect(orphanRows(targeted)).toEqual(expectedOrphans(state, 'entity_key', false, new Set(KEYS)));
    // A parent named by another field, and an empty reference as an orphan.
    expect(orphanRows(await run(BY_NUMBER, sources))).toEqual(expectedOrphans(state, 'customer_number', true));
  });
});
