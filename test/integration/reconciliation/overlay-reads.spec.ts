import {
  COMPILED_RULE_SETTINGS,
  compileRule,
  currentStateSources,
  DEFAULT_OWNERSHIP_FILE,
  DEFAULT_RULES_DIR,
  loadOwnership,
  loadRules,
  restrictToKeys,
  type CompileContext,
  type FindingRow,
  type Rule,
  type SnapshotOverlay,
} from '@driftwatch/reconciliation-rules';
import { ConfigService } from '../../../backend/src/config/config.service';
import { ReconciliationStoreRepository } from '../../../backend/src/modules/reconciliation/reconciliation-store.repository';
import { RuleCatalogService } from '../../../backend/src/modules/reconciliation/rule-catalog.service';
import { SnapshotStoreRepository } from '../../../backend/src/modules/snapshots/snapshot-store.repository';
import { ruleReads } from '../../../backend/src/modules/reconciliation/rule-scope';
import {
  customers,
  ReconciliationFixture,
  type PreviewingFixture,
  TEST_RULES_DIR,
  type Customer,
} from './support/reconciliation-fixture';

const ownership = loadOwnership(DEFAULT_OWNERSHIP_FILE);
/** The systems whose customers the fixture holds. */
const SYSTEMS = ['erp', 'crm', 'wms'];
// Every rule of the pack and of the tests that reads these systems' customers only: each kind over the overlay.
const RULES: Rule[] = [...loadRules(DEFAULT_RULES_DIR).rules, ...loadRules(TEST_RULES_DIR).rules]
  .map((r) => r.rule)
  .filter((r) => {
    const reads = ruleReads(r, ownership);
    return (
      r.enabled &&
      reads.length > 0 &&
      reads.every((read) => read.entity === 'customer' && SYSTEMS.includes(read.system))
    );
  });
const NAMES = 'customer.test-legal-name';

const erp = customers(200, (i) => (i % 9 === 0 ? `Acme ${i} Holdings` : `Acme ${i}`)).map((c, i) => ({
  ...c,
  parent_key: i > 0 && i % 10 === 0 ? 'erp-C0001' : '',
}));
const crm: Customer[] = erp.slice(0, 196).map((c, i) => (i < 3 ? { ...c, legal_name: `${c.legal_name} GmbH` } : c));

describe('a system with incremental snapshots since its last full one is read as an overlay (real ClickHouse)', () => {
  let fx: PreviewingFixture;
  let store: ReconciliationStoreRepository;
  let crmFull: string;
  const incrementals: string[] = [];

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
    store = new ReconciliationStoreRepository(fx.clickhouse);
    await fx.completeSnapshot('erp', erp);
    crmFull = await fx.completeSnapshot('crm', crm);
    // Changes, a fix, a record new to the CRM, one changed twice, one paged twice with two spellings.
    incrementals.push(
      await fx.completeSnapshot(
        'crm',
        [
          { customer_number: 'C0001', legal_name: 'Acme 1' },
          { customer_number: 'C0005', legal_name: 'Acme 5 Trading' },
          { customer_number: 'C0010', legal_name: 'acme 10 ' },
          { customer_number: 'C0199', legal_name: 'Acme 199' },
          { customer_number: 'C0012', legal_name: 'Acme 12 Old' },
          { customer_number: 'C0012', legal_name: 'Acme 12 New' },
        ],
        'incremental',
      ),
    );
    incrementals.push(
      await fx.completeSnapshot(
        'crm',
        [
          { customer_number: 'C0005', legal_name: 'Acme 5 Group' },
          { customer_number: 'C0011', legal_name: 'Acme 11 Ltd' },
        ],
        'incremental',
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  const overlays = async (max = 200) => {
    const found: Partial<Record<'customer', Record<string, SnapshotOverlay>>> = {};
    for (const o of await store.overlaySnapshots(max)) {
      if (o.entity === 'customer') found.customer = { ...found.customer, [o.system]: o };
    }
    return found;
  };
  const whole = async () => {
    const found: Record<string, string> = {};
    for (const s of await store.wholeStateSnapshots()) if (s.entity === 'customer') found[s.system] = s.snapshotId;
    return { customer: found };
  };
  const evaluate = async (rule: Rule, sources: CompileContext['sources']) =>
    (
      await fx.clickhouse.query<FindingRow>(compileRule(rule, { ownership, sources }).findings, {
        tag: 'test.overlay',
        settings: COMPILED_RULE_SETTINGS,
      })
    )
      .map((r) => JSON.stringify(r, Object.keys(r).sort()))
      .sort();

  it('names the last full snapshot and the incrementals since, up to a cap', async () => {
    expect(await overlays()).toEqual({
      customer: { crm: { system: 'crm', entity: 'customer', full: crmFull, incrementals: [...incrementals].sort() } },
    });
    expect(await whole()).toEqual({ customer: { erp: expect.any(String) } });
    // Past the cap the system is read from the current state.
    expect(await overlays(1)).toEqual({});
  });

  it('counts an incremental that started after the full snapshot started, even if it completed first', async () => {
    const catalog = new SnapshotStoreRepository(fx.clickhouse);
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    const entry = { system: 'wms', entity: 'customer' as const, rowCount: 0, rejectCount: 0 };
    await catalog.addToCatalog({
      ...entry,
      snapshotId: 'wms-old-inc',
      mode: 'incremental',
      startedAt: at(0),
      completedAt: at(5),
    });
    await catalog.addToCatalog({
      ...entry,
      snapshotId: 'wms-full',
      mode: 'full',
      startedAt: at(10),
      completedAt: at(30),
    });
    await catalog.addToCatalog({
      ...entry,
      snapshotId: 'wms-inc',
      mode: 'incremental',
      startedAt: at(12),
      completedAt: at(20),
    });
    // Completed last, the full snapshot alone would pass for the WMS's whole state: the overlay wins.
    expect((await whole()).customer.wms).toBe('wms-full');
    expect((await overlays()).customer?.wms).toEqual({
      system: 'wms',
      entity: 'customer',
      full: 'wms-full',
      incrementals: ['wms-inc'],
    });
    const sources = currentStateSources({ customer: ['wms'] }, await whole(), await overlays());
    expect(sources.customer?.wms?.text).toContain("snapshot_id IN ('wms-inc')");
  });

  it('every customer rule finds exactly what it finds in the current state, full and targeted', async () => {
    expect(RULES.map((r) => r.kind).sort()).toEqual(
      expect.arrayContaining(['duplicates', 'field_match', 'hierarchy', 'presence']),
    );
    const systems = { customer: SYSTEMS };
    const final = currentStateSources(systems);
    const overlaid = currentStateSources(systems, await whole(), await overlays());
    expect(overlaid.customer?.crm?.text).toContain('NOT IN');
    const keys = { customer: ['C0001', 'C0005', 'C0010', 'C0011', 'C0012', 'C0050', 'C0199', 'C0200'] };
    // The CRM's full snapshot alone is not its state: the comparison would notice an overlay that ignored them.
    const stale = currentStateSources(systems, { customer: { ...(await whole()).customer, crm: crmFull } });
    const names = RULES.find((r) => r.id === NAMES) as Rule;
    expect(await evaluate(names, stale)).not.toEqual(await evaluate(names, final));
    let total = 0;
    for (const rule of RULES) {
      const expected = await evaluate(rule, final);
      total += expected.length;
      expect([rule.id, await evaluate(rule, overlaid)]).toEqual([rule.id, expected]);
      const targeted = await evaluate(rule, restrictToKeys(final, keys));
      expect([rule.id, await evaluate(rule, restrictToKeys(overlaid, keys))]).toEqual([rule.id, targeted]);
    }
    expect(total).toBeGreaterThan(20);
  });

  it('a run reads the overlay and reports what the incrementals changed', async () => {
    const catalog = new RuleCatalogService(new ConfigService({ ...process.env, ...fx.env?.env }));
    const set = catalog.load();
    const compiled = await fx.previews.compileForCurrentState(set, catalog.find(set, NAMES));
    expect(compiled.findings.text).toContain(`snapshot_id = '${crmFull}' AND key_hash NOT IN`);
    const run = await fx.service.run({ trigger: 'api', ruleIds: [NAMES] });
    // GmbH on C0002 and C0003; C0005, C0011 and C0012 changed; C0001 fixed; C0010 differs in case and space only.
    expect(run.ruleCounts[NAMES]).toMatchObject({ status: 'ran', findings: 5 });
    const found = await fx.dataSource.query(`SELECT match_key FROM findings WHERE rule_id = $1 ORDER BY 1`, [NAMES]);
    expect(found.map((r: { match_key: string }) => r.match_key)).toEqual(['C0002', 'C0003', 'C0005', 'C0011', 'C0012']);
  });

  it('a system whose keyed snapshot deleted a record is read from the current state, without that record', async () => {
    const presence = RULES.find((r) => r.id === 'customer.presence');
    expect(presence).toBeDefined();
    const missing = async () =>
      (await evaluate(presence!, currentStateSources({ customer: SYSTEMS }, await whole(), await overlays())))
        .map((r) => JSON.parse(r) as FindingRow)
        .filter((r) => r.kind === 'missing')
        .map((r) => r.match_key);
    expect(await missing()).not.toContain('C0021');
    // The CRM deleted C0021: a change event's keyed snapshot asked for it and got nothing.
    const store = new SnapshotStoreRepository(fx.clickhouse);
    const at = new Date();
    const deleted = await store.markKeyedDeletions(
      'customer',
      'crm',
      'crm-keyed-delete',
      ['crm-C0021'],
      at,
      at.getTime(),
    );
    expect(deleted).toBe(1);
    await store.addToCatalog({
      snapshotId: 'crm-keyed-delete',
      system: 'crm',
      entity: 'customer',
      mode: 'keyed',
      rowCount: 0,
      rejectCount: 0,
      deletedKeys: deleted,
      startedAt: at,
      completedAt: at,
    });
    // The overlay would still show it (the full snapshot's row, no incremental row for it).
    expect((await overlays()).customer?.crm).toBeUndefined();
    expect(await missing()).toContain('C0021');
  });
});
