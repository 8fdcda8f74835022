/**
 * Fused field_match compilation on the real ClickHouse: for every read context the compiler
 * supports (current state FINAL, whole-state snapshots, one snapshot per system, targeted keys as a
 * list or a subquery, a context match key), with and without the field_hash fast path, the rows of
 * each fused group are exactly the union (as a multiset, every column compared, rule id and version
 * included) of its rules' own rows. The data has mismatches in every compared field, cosmetic
 * differences the normalisers absorb, records missing on either side, duplicate match keys, empty
 * keys, hostile strings, superseded and deleted versions, numeric tolerances and value maps, and
 * fields owned by either system.
 */
import {
  COMPILED_RULE_SETTINGS,
  compileFieldMatchGroup,
  compileRule,
  currentStateSources,
  DEFAULT_OWNERSHIP_FILE,
  DEFAULT_RULES_DIR,
  fieldMatchFusionKey,
  ident,
  loadOwnership,
  loadRules,
  parseRuleOrThrow,
  restrictToKeys,
  snapshotSources,
  sql,
  UNSETTLED_KIND,
  type CompileContext,
  type FindingRow,
  type Rule,
  type SqlFragment,
} from '@driftwatch/reconciliation-rules';
import { ClickHouseMigrator } from '../../../backend/src/clickhouse/clickhouse-migrator';
import { isolatedClickHouse } from '../support/test-services';

const ownership = loadOwnership(DEFAULT_OWNERSHIP_FILE);
const pack = loadRules(DEFAULT_RULES_DIR).rules.map((r) => r.rule);
const packRule = (id: string): Rule => {
  const rule = pack.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id} in the default pack`);
  return rule;
};

function customRule(id: string, version: number, domain: string, spec: string): Rule {
  return parseRuleOrThrow(
    `id: ${id}\nversion: ${version}\ndescription: d\nowner: t\nseverity: low\ndomain: ${domain}\nfix_policy: auto\nkind: field_match\nspec:\n${spec}`,
    `${id}.yaml`,
  );
}

/** The pack's field_match rules of customer and credit profile, plus rules that cover what those do not. */
const RULES: Rule[] = [
  packRule('customer.billing-address-match'),
  packRule('customer.contact-channels-match'),
  packRule('customer.legal-identity-match'),
  // The same column as the pack compares, owned by the other side and normalised differently; a value map.
  customRule(
    'x.customer-owners-both-sides',
    3,
    'customer',
    `  entity: customer
  systems: [erp, crm]
  fields:
    - field: legal_name
      owner: crm
      normalize: [trim, lower]
    - field: phone
      owner: erp
      normalize: [digits]
    - field: status
      normalize: [trim, lower]
      value_map:
        active: [act, enabled]
        inactive: [disabled, closed]
`,
  ),
  // Three systems: three pairings, one covering fields of both rules, the others one rule each.
  customRule(
    'x.customer-three-systems-a',
    2,
    'customer',
    `  entity: customer
  systems: [erp, crm, wms]
  fields:
    - field: billing_address_country
      normalize: [trim, upper]
    - field: email
      normalize: [email]
`,
  ),
  customRule(
    'x.customer-three-systems-b',
    1,
    'customer',
    `  entity: customer
  systems: [erp, crm, wms]
  fields:
    - field: status
    - field: account_team
      owner: wms
      normalize: [trim, lower]
`,
  ),
  // Their own match key (tax id): a group of their own.
  customRule(
    'x.customer-by-tax-id-a',
    1,
    'customer',
    `  entity: customer
  systems: [erp, crm]
  match_key: tax_id
  fields:
    - field: legal_name
      normalize: [company_suffix]
`,
  ),
  customRule(
    'x.customer-by-tax-id-b',
    4,
    'customer',
    `  entity: customer
  systems: [erp, crm]
  match_key: tax_id
  fields:
    - field: phone
      normalize: [phone]
    - field: customer_number
`,
  ),
  // Credit profiles: absolute and relative tolerances on one column, value maps, owners on both sides.
  packRule('credit.terms-and-limit-match'),
  customRule(
    'x.credit-relative-limit',
    2,
    'credit',
    `  entity: credit_profile
  systems: [erp, crm]
  fields:
    - field: credit_limit
      tolerance: { relative: 0.05 }
    - field: currency
      owner: crm
      normalize: [lower]
`,
  ),
  customRule(
    'x.credit-hold-and-terms',
    1,
    'credit',
    `  entity: credit_profile
  systems: [erp, crm]
  fields:
    - field: credit_hold
    - field: payment_terms
      normalize: [upper]
    - field: credit_limit
      tolerance: { absolute: 5 }
`,
  ),
];

/** What the fusion key should group, in any read context. */
const EXPECTED_GROUPS = [
  [
    'customer.billing-address-match',
    'customer.contact-channels-match',
    'customer.legal-identity-match',
    'x.customer-owners-both-sides',
  ],
  ['x.customer-three-systems-a', 'x.customer-three-systems-b'],
  ['x.customer-by-tax-id-a', 'x.customer-by-tax-id-b'],
  ['credit.terms-and-limit-match', 'x.credit-relative-limit', 'x.credit-hold-and-terms'],
];

// ---------------------------------------------------------------------------------------------------
// Data: a seeded generator, so every run sees the same rows.

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = ['O\'Brien \\ "Co"', 'Müller & Söhne GmbH', "x') OR 1=1 --", 'line\nbreak', '日本語 株式会社'];
const STREETS = ['12 North Main Street', '1 Harbour Road, Suite 5', 'Hauptstraße 5', "7 O'Connell Avenue"];
const CITIES = ['Springfield', 'Leeds', 'München', 'Dublin'];
const STATUSES = ['active', 'ACT', 'enabled', 'inactive', 'disabled', 'prospect'];
const TERMS = ['NET30', 'N30', 'Net 30', 'NET60', 'COD', 'C.O.D.', 'prepayment', 'NET45'];
const TEAMS = ['North', 'South East', 'key accounts'];

type Row = Record<string, string | number>;

/** A cosmetic change (normalisers absorb most of them) or a real one, or none. */
function perturb(rng: () => number, value: string, alternatives: readonly string[]): string {
  const roll = rng();
  if (roll < 0.12) return value.toUpperCase();
  if (roll < 0.2) return `  ${value.replace(/ /g, '  ')} `;
  if (roll < 0.24) return value.replace(/[.,']/g, '');
  if (roll < 0.36) return alternatives[Math.floor(rng() * alternatives.length)];
  return value;
}

const pick = <T>(rng: () => number, values: readonly T[]): T => values[Math.floor(rng() * values.length)];

function baseCustomer(rng: () => number, i: number): Row {
  return {
    customer_number: `C${i}`,
    legal_name:
      i % 9 === 0
        ? pick(rng, HOSTILE)
        : `${pick(rng, ['Acme', 'Northwind', 'Bergmann'])} ${i} ${pick(rng, ['Inc.', 'Ltd', 'GmbH'])}`,
    tax_id: i % 11 === 0 ? '' : `TX-${100 + (i % 40)}`,
    billing_address_line1: pick(rng, STREETS),
    billing_address_city: pick(rng, CITIES),
    billing_address_postal_code: pick(rng, ['LS1 4AP', '80331', 'D02 X285']),
    billing_address_region: pick(rng, ['yorks', 'BY', '']),
    billing_address_country: pick(rng, ['GB', 'DE', 'IE']),
    status: pick(rng, STATUSES),
    phone: pick(rng, ['+1 (555) 010-2000', '0049 89 1234', '']),
    email: `ap${i}@acme.example`,
    account_team: pick(rng, TEAMS),
  };
}

function customerCopy(rng: () => number, base: Row): Row {
  const out: Row = { ...base };
  for (const field of Object.keys(base)) {
    if (field === 'customer_number') continue;
    const alternatives =
      field === 'status'
        ? STATUSES
        : field === 'account_team'
          ? TEAMS
          : field === 'tax_id'
            ? ['TX-999', '']
            : ['zz', HOSTILE[0], ''];
    out[field] = perturb(rng, String(base[field]), alternatives);
  }
  if (rng() < 0.03) out.customer_number = ''; // an empty key: never matched
  return out;
}

function creditCopy(rng: () => number, base: Row): Row {
  const out: Row = { ...base };
  const limit = Number(base.credit_limit);
  const roll = rng();
  if (roll < 0.1) out.credit_limit = limit + 0.01;
  else if (roll < 0.2) out.credit_limit = Math.round(limit * 103) / 100;
  else if (roll < 0.3) out.credit_limit = limit + 4;
  else if (roll < 0.4) out.credit_limit = Math.round(limit * 120) / 100;
  out.currency = perturb(rng, String(base.currency), ['USD', 'GBP']);
  out.payment_terms = rng() < 0.3 ? pick(rng, TERMS) : String(base.payment_terms);
  out.credit_hold = rng() < 0.15 ? 1 - Number(base.credit_hold) : Number(base.credit_hold);
  if (rng() < 0.03) out.customer_number = '';
  return out;
}

/** Each system's records of one state: some missing, some duplicated (same match key, other entity key). */
function systemRecords(
  rng: () => number,
  count: number,
  systems: readonly string[],
  base: (i: number) => Row,
  copy: (base: Row) => Row,
): Map<string, Row[]> {
  const bySystem = new Map<string, Row[]>(systems.map((s) => [s, []]));
  for (let i = 1; i <= count; i++) {
    const b = base(i);
    for (const system of systems) {
      if (rng() < 0.08) continue; // missing in this system
      const rows = bySystem.get(system) ?? [];
      rows.push({ ...copy(b), entity_key: `${system}-${i}` });
      if (rng() < 0.06) rows.push({ ...copy(b), customer_number: b.customer_number, entity_key: `${system}-${i}-dup` });
      bySystem.set(system, rows);
    }
  }
  return bySystem;
}

const CUSTOMERS = 160;
const CUSTOMER_SYSTEMS = ['erp', 'crm', 'wms'];
const CREDIT_SYSTEMS = ['erp', 'crm'];
const CAPTURED = 1767225600; // 2026-01-01 00:00:00 UTC
/** The evaluation time: v2 records changed a minute before it, within a settle time of minutes. */
const AS_OF = new Date((CAPTURED + 120) * 1000);

/** Two states per entity: v1 (also the snapshots) and v2, where about half the records changed and some were deleted. */
function states() {
  const rng = random(6);
  const customerBase = (i: number) => baseCustomer(rng, i);
  const creditBase = (i: number): Row => ({
    customer_number: `C${i}`,
    credit_limit: 1000 + (i % 17) * 250.5,
    currency: pick(rng, ['EUR', 'usd', 'GBP']),
    payment_terms: pick(rng, TERMS),
    credit_hold: i % 5 === 0 ? 1 : 0,
  });
  const customers = [1, 2].map(() =>
    systemRecords(rng, CUSTOMERS, CUSTOMER_SYSTEMS, customerBase, (b) => customerCopy(rng, b)),
  );
  const credit = [1, 2].map(() => systemRecords(rng, CUSTOMERS, CREDIT_SYSTEMS, creditBase, (b) => creditCopy(rng, b)));
  return { customers, credit, rng };
}

async function seed(clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>): Promise<void> {
  const { customers, credit, rng } = states();
  const insert = async (table: string, rows: Row[]) => {
    if (rows.length > 0) await clickhouse.insert(ident(table), rows, { tag: 'test.seed' });
  };
  for (const [entity, [v1, v2]] of [
    ['customer', customers],
    ['credit_profile', credit],
  ] as const) {
    const snapshotRows: Row[] = [];
    const currentRows: Row[] = [];
    for (const [system, rows] of v1) {
      for (const row of rows) {
        // Changed long before the evaluation (AS_OF): settled for every rule.
        const bookkeeping = { system, captured_at: CAPTURED, source_updated_at: CAPTURED - 3600 };
        snapshotRows.push({ ...row, ...bookkeeping, snapshot_id: `snap-${system}-1` });
        currentRows.push({ ...row, ...bookkeeping, snapshot_id: `snap-${system}-1`, version: 1, deleted: 0 });
      }
    }
    // v2: about half the records get their v2 values, a few are deleted; FINAL must read the latest version only.
    for (const [system, rows] of v2) {
      for (const row of rows) {
        const roll = rng();
        if (roll >= 0.55) continue;
        const bookkeeping = { system, captured_at: CAPTURED + 60, source_updated_at: CAPTURED + 60 };
        currentRows.push({
          ...row,
          ...bookkeeping,
          snapshot_id: `snap-${system}-2`,
          version: 2,
          deleted: roll < 0.05 ? 1 : 0,
        });
      }
    }
    await insert(`snapshot_${entity}`, snapshotRows);
    await insert(`current_${entity}`, currentRows);
  }
  await clickhouse.command(
    sql`CREATE TABLE target_keys (customer_number String) ENGINE = MergeTree ORDER BY customer_number`,
    {
      tag: 'test.targets',
    },
  );
  await clickhouse.command(
    sql`INSERT INTO target_keys VALUES ${TARGET_KEYS.map((k) => sql`(${k})`).reduce((a, b) => sql`${a}, ${b}`)}`,
    {
      tag: 'test.targets',
    },
  );
}

/** Keys of a targeted run: some plain, the empty key, one that exists nowhere. */
const TARGET_KEYS = ['', 'C-none', ...Array.from({ length: 40 }, (_, i) => `C${1 + i * 4}`)];

// ---------------------------------------------------------------------------------------------------

const current = currentStateSources({ customer: CUSTOMER_SYSTEMS, credit_profile: CREDIT_SYSTEMS });
const LOWER_TARGET_KEYS = TARGET_KEYS.map((k) => k.toLowerCase());
const lowerKeys = { customer: sql`lowerUTF8(customer_number)`, credit_profile: sql`lowerUTF8(customer_number)` };

const READ_CONTEXTS: { name: string; every: boolean; context: Omit<CompileContext, 'ownership'> }[] = [
  { name: 'current state (FINAL, live rows)', every: true, context: { sources: current } },
  {
    name: 'whole-state snapshots for erp and crm, current state for wms',
    every: true,
    context: {
      sources: currentStateSources(
        { customer: CUSTOMER_SYSTEMS, credit_profile: CREDIT_SYSTEMS },
        {
          customer: { erp: 'snap-erp-1', crm: 'snap-crm-1' },
          credit_profile: { erp: 'snap-erp-1', crm: 'snap-crm-1' },
        },
      ),
    },
  },
  {
    name: 'one snapshot per system (backtest)',
    every: true,
    context: {
      sources: snapshotSources({
        customer: Object.fromEntries(CUSTOMER_SYSTEMS.map((s) => [s, `snap-${s}-1`])),
        credit_profile: Object.fromEntries(CREDIT_SYSTEMS.map((s) => [s, `snap-${s}-1`])),
      }),
    },
  },
  {
    name: 'targeted: a list of keys',
    every: false,
    context: { sources: restrictToKeys(current, { customer: TARGET_KEYS, credit_profile: TARGET_KEYS }) },
  },
  {
    name: 'targeted: keys from a subquery',
    every: false,
    context: {
      sources: restrictToKeys(current, {
        customer: sql`SELECT customer_number FROM target_keys`,
        credit_profile: sql`SELECT customer_number FROM target_keys`,
      }),
    },
  },
  { name: 'a context match key expression', every: true, context: { sources: current, matchKeys: lowerKeys } },
  {
    name: 'targeted with a context match key expression',
    every: false,
    context: {
      sources: restrictToKeys(current, { customer: LOWER_TARGET_KEYS, credit_profile: LOWER_TARGET_KEYS }, lowerKeys),
      matchKeys: lowerKeys,
    },
  },
];

const CASES = READ_CONTEXTS.flatMap((c) => [true, false].map((prefilter) => [c.name, prefilter, c] as const));

/** Rows as comparable text, sorted: a multiset. */
const multiset = (rows: readonly FindingRow[]): string[] =>
  rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();

describe('fused field_match rules on the real ClickHouse', () => {
  let clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>;
  const run = (query: SqlFragment) =>
    clickhouse.query<FindingRow>(query, { tag: 'test.field-match-group', settings: COMPILED_RULE_SETTINGS });

  beforeAll(async () => {
    clickhouse = await isolatedClickHouse();
    await new ClickHouseMigrator(clickhouse).migrate();
    await seed(clickhouse);
  });

  afterAll(async () => {
    await clickhouse.drop();
  });

  function groupsOf(context: CompileContext): Rule[][] {
    const groups = new Map<string, Rule[]>();
    for (const rule of RULES) {
      const key = fieldMatchFusionKey(rule, context);
      if (key === null) throw new Error(`${rule.id} has no fusion key`);
      groups.set(key, [...(groups.get(key) ?? []), rule]);
    }
    return [...groups.values()];
  }

  it.each(CASES)(
    '%s (field_hash prefilter %s): each group returns exactly its rules’ rows',
    async (_name, prefilter, c) => {
      const context: CompileContext = { ownership, ...c.context, fieldHashPrefilter: prefilter, asOf: AS_OF };
      const groups = groupsOf(context);
      expect(groups.map((g) => g.map((r) => r.id))).toEqual(EXPECTED_GROUPS);

      let total = 0;
      for (const group of groups) {
        const separate = (await Promise.all(group.map((rule) => run(compileRule(rule, context).findings)))).flat();
        const fused = await run(compileFieldMatchGroup(group, context));
        expect(multiset(fused)).toEqual(multiset(separate));
        total += separate.length;

        const rowsOf = (id: string) => separate.filter((r) => r.rule_id === id);
        const settles = (r: Rule | undefined) => r?.kind === 'field_match' && r.spec.settle !== undefined;
        if (c.context.sources === current && group.some(settles)) {
          // A rule that settles (contact channels: on the CRM's changes) holds some of its rows, the others none.
          const held = separate.filter((r) => r.kind === UNSETTLED_KIND);
          expect(held.length).toBeGreaterThan(0);
          for (const r of held)
            expect([r.rule_id, settles(group.find((g) => g.id === r.rule_id))]).toEqual([r.rule_id, true]);
        }
        if (c.every) {
          // Every rule finds something here, so a dropped or mislabelled rule's rows cannot go unnoticed.
          for (const rule of group) expect(rowsOf(rule.id).length).toBeGreaterThan(0);
        }
        for (const row of fused) {
          const rule = group.find((r) => r.id === row.rule_id);
          expect(rule).toBeDefined();
          expect(row.rule_version).toBe(rule?.version);
        }
        if (group.length > 1 && group.every((rule) => rowsOf(rule.id).length > 0)) {
          // The comparison notices a group that lost a rule.
          const short = await run(compileFieldMatchGroup(group.slice(0, -1), context));
          expect(multiset(short)).not.toEqual(multiset(separate));
        }
      }
      expect(total).toBeGreaterThan(0);
    },
  );

  it('sees findings of every kind of difference the data holds (duplicates, tolerances, value maps, both owners)', async () => {
    const context: CompileContext = { ownership, sources: current };
    const rows = (await Promise.all(groupsOf(context).map((g) => run(compileFieldMatchGroup(g, context))))).flat();
    const details = rows.map((r) => JSON.parse(r.details) as { owner_key: string; actual_key: string });
    expect(details.some((d) => d.owner_key.endsWith('-dup') || d.actual_key.endsWith('-dup'))).toBe(true);
    expect(rows.some((r) => r.rule_id === 'x.customer-owners-both-sides' && r.owner_system === 'crm')).toBe(true);
    expect(rows.some((r) => r.rule_id === 'x.customer-owners-both-sides' && r.owner_system === 'erp')).toBe(true);
    expect(rows.some((r) => r.rule_id === 'x.customer-three-systems-b' && r.owner_system === 'wms')).toBe(true);
    expect(rows.some((r) => r.actual_system === 'wms')).toBe(true);
    const limits = (id: string) => rows.filter((r) => r.rule_id === id && r.field === 'credit_limit');
    // Tolerances differ per rule: 0.01 absolute, 5% relative, 5 absolute; each finds a different set.
    expect(
      new Set(
        [
          limits('credit.terms-and-limit-match'),
          limits('x.credit-relative-limit'),
          limits('x.credit-hold-and-terms'),
        ].map((l) => l.length),
      ).size,
    ).toBeGreaterThan(1);
    expect(rows.every((r) => r.match_key !== '')).toBe(true);
  });
});
