/**
 * The contract between the rule compiler and the snapshot pipeline: the default pack compiles to SQL
 * that runs against the tables the backend's ClickHouse migrations create (current_<entity> FINAL,
 * live rows, MATERIALIZED key_hash/field_hash/shared_hash, entity_events), and its findings go into a
 * findings_history-shaped table with one INSERT … SELECT.
 */
import {
  compileRule,
  createTableStatement,
  currentStateSources,
  DEFAULT_OWNERSHIP_FILE,
  DEFAULT_RULES_DIR,
  ENTITY_KINDS,
  FINDING_COLUMNS,
  ident,
  join,
  list,
  loadOwnership,
  loadRules,
  raw,
  restrictToKeys,
  snapshotSources,
  sql,
  type CompileContext,
  type FindingRow,
} from '@driftwatch/reconciliation-rules';
import { ClickHouseMigrator } from '../../../backend/src/clickhouse/clickhouse-migrator';
import { isolatedClickHouse } from '../support/test-services';

const SYSTEMS = ['erp', 'crm', 'wms', 'support'];
const { rules } = loadRules(DEFAULT_RULES_DIR);
const ownership = loadOwnership(DEFAULT_OWNERSHIP_FILE);

describe('default rule pack on the snapshot schema', () => {
  let clickhouse: Awaited<ReturnType<typeof isolatedClickHouse>>;
  let context: CompileContext;

  beforeAll(async () => {
    clickhouse = await isolatedClickHouse();
    await new ClickHouseMigrator(clickhouse).migrate();
    context = {
      ownership,
      sources: currentStateSources(Object.fromEntries(ENTITY_KINDS.map((e) => [e, SYSTEMS]))),
      events: ident('entity_events'),
      lastComplete: { erp: new Date(), crm: new Date(), wms: new Date(), support: new Date() },
    };
    await clickhouse.command(
      sql`CREATE TABLE findings_probe (${join(FINDING_COLUMNS.map((c) => sql`${ident(c.name)} ${raw(c.type)}`))})
        ENGINE = MergeTree ORDER BY (rule_id, match_key)`,
      { tag: 'test.findings' },
    );
    const customer = (system: string, key: string, number: string, name: string, version: number, deleted = 0) =>
      sql`(${system}, ${key}, 'snap-1', now(), now(), ${number}, ${name}, ${version}, ${deleted})`;
    await clickhouse.command(
      sql`INSERT INTO current_customer (system, entity_key, snapshot_id, captured_at, source_updated_at, customer_number, legal_name, version, deleted)
        VALUES ${join([
          customer('erp', 'E1', 'C1', 'Acme Supply Inc.', 1),
          customer('crm', 'S1', 'C1', 'ACME Supply', 1),
          customer('erp', 'E2', 'C2', 'Bergmann Technik GmbH', 1),
          customer('crm', 'S2', 'C2', 'Bergmann Tech', 1),
          customer('erp', 'E3', 'C3', 'Gone Ltd', 1),
          customer('erp', 'E3', 'C3', 'Gone Ltd', 2, 1),
          customer('crm', 'S4', 'C4', 'Old Name', 1),
          customer('crm', 'S4', 'C4', 'New Name', 2),
          customer('erp', 'E4', 'C4', 'New Name', 1),
        ])}`,
      { tag: 'test.seed' },
    );
    // A small hierarchy: C11's parent is C10 in the ERP but C12 in the CRM.
    const child = (system: string, key: string, number: string, parent: string) =>
      sql`(${system}, ${key}, 'snap-1', now(), now(), ${number}, ${parent}, 1, 0)`;
    await clickhouse.command(
      sql`INSERT INTO current_customer (system, entity_key, snapshot_id, captured_at, source_updated_at, customer_number, parent_key, version, deleted)
        VALUES ${join([
          child('erp', 'E10', 'C10', ''),
          child('erp', 'E11', 'C11', 'E10'),
          child('erp', 'E12', 'C12', ''),
          child('crm', 'S10', 'C10', ''),
          child('crm', 'S11', 'C11', 'S12'),
          child('crm', 'S12', 'C12', ''),
        ])}`,
      { tag: 'test.seed' },
    );
  });

  afterAll(async () => {
    await clickhouse.drop();
  });

  it.each(rules.map((r) => [r.rule.id, r.rule] as const))(
    '%s runs and inserts into findings history',
    async (_id, rule) => {
      const compiled = compileRule(rule, context);
      await clickhouse.command(sql`INSERT INTO findings_probe ${compiled.findings}`, { tag: 'test.insert-select' });
      if (compiled.latency) await clickhouse.query(compiled.latency, { tag: 'test.latency' });
    },
  );

  it('hashes as the tables rule fixtures create do (the hash each compiled rule narrows on)', async () => {
    const hashes = (tables: string[]) =>
      clickhouse.query<{ table: string; name: string; default_expression: string }>(
        sql`SELECT table, name, default_expression FROM system.columns
          WHERE database = currentDatabase() AND table IN ${list(tables)} AND name IN ('key_hash', 'field_hash', 'shared_hash')
          ORDER BY table, name`,
        { tag: 'test.hashes' },
      );
    for (const entity of ENTITY_KINDS) {
      await clickhouse.command(createTableStatement(ident(`fixture_${entity}`), entity), { tag: 'test.fixture-table' });
      const fixture = (await hashes([`fixture_${entity}`])).map((c) => [c.name, c.default_expression]);
      expect(fixture).toHaveLength(3);
      for (const table of [`snapshot_${entity}`, `current_${entity}`])
        expect([table, (await hashes([table])).map((c) => [c.name, c.default_expression])]).toEqual([table, fixture]);
    }
    // shared_hash leaves a customer's own parent reference out; field_hash does not.
    const [row] = await clickhouse.query<{ field: string; shared: string }>(
      sql`SELECT uniqExact(field_hash) AS field, uniqExact(shared_hash) AS shared FROM current_customer
        WHERE customer_number = 'C11'`,
      { tag: 'test.parent-hash' },
    );
    expect(row).toEqual({ field: '2', shared: '1' });
  });

  it('reads the latest live version only, through the field_hash fast path', async () => {
    const rule = rules.find((r) => r.rule.id === 'customer.legal-identity-match')?.rule;
    if (!rule) throw new Error('rule missing');
    const rows = await clickhouse.query<FindingRow>(compileRule(rule, context).findings, { tag: 'test.findings' });
    expect(rows.map((r) => [r.match_key, r.field, r.expected_value, r.actual_value])).toEqual([
      ['C2', 'legal_name', 'Bergmann Technik GmbH', 'Bergmann Tech'],
    ]);
    const presence = rules.find((r) => r.rule.id === 'customer.presence')?.rule;
    if (!presence) throw new Error('rule missing');
    const missing = await clickhouse.query<FindingRow>(compileRule(presence, context).findings, {
      tag: 'test.presence',
    });
    expect(missing.map((r) => [r.kind, r.match_key])).toEqual([]);
  });

  it('looks parents up in the whole relation during a targeted run', async () => {
    const targeted = { ...context, sources: restrictToKeys(context.sources, { customer: ['C11'] }) };
    const byId = (id: string) => {
      const rule = rules.find((r) => r.rule.id === id)?.rule;
      if (!rule) throw new Error(`rule ${id} missing`);
      return compileRule(rule, targeted).findings;
    };
    const orphans = await clickhouse.query<FindingRow>(byId('customer.parent-orphans'), { tag: 'test.orphans' });
    expect(orphans).toEqual([]);
    const hierarchy = await clickhouse.query<FindingRow>(byId('customer.hierarchy'), { tag: 'test.hierarchy' });
    expect(hierarchy.map((r) => [r.match_key, r.expected_value, r.actual_value])).toEqual([['C11', 'C10', 'C12']]);
  });

  it('runs the same rule against one snapshot and against a key subset', async () => {
    const rule = rules.find((r) => r.rule.id === 'customer.legal-identity-match')?.rule;
    if (!rule) throw new Error('rule missing');
    const backtest = compileRule(rule, {
      ...context,
      sources: snapshotSources({ customer: { erp: 'snap-x', crm: 'snap-y' } }),
    });
    expect(await clickhouse.query(backtest.findings, { tag: 'test.backtest' })).toEqual([]);
    const targeted = compileRule(rule, {
      ...context,
      sources: restrictToKeys(context.sources, { customer: ['C1', 'C4'] }),
    });
    expect(await clickhouse.query(targeted.findings, { tag: 'test.targeted' })).toEqual([]);
    const hit = compileRule(rule, { ...context, sources: restrictToKeys(context.sources, { customer: ['C2'] }) });
    expect(await clickhouse.query<FindingRow>(hit.findings, { tag: 'test.targeted' })).toHaveLength(1);
  });
});
