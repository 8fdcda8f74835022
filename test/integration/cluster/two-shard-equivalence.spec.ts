import { DataSource } from 'typeorm';
import { FINDING_COLUMNS, type FindingRow } from '@driftwatch/reconciliation-rules';
import type { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { ident, join, sql } from '../../../backend/src/clickhouse/sql';
import { dataSourceOptions } from '../../../backend/src/database/data-source';
import {
  ReconciliationService,
  type RunSummary,
} from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { SnapshotStoreRepository } from '../../../backend/src/modules/snapshots/snapshot-store.repository';
import { buildEstate, loadEstate } from './support/cluster-estate';
import { migratedStores, startLocalCluster, type LocalCluster, type StoreEnv } from './support/local-cluster';
import { reconciliationServicesOver } from '../support/reconciliation-services';

const CUSTOMERS = 200;
const NOW = Math.floor(Date.now() / 1000);

interface Side {
  stores: StoreEnv;
  dataSource: DataSource;
  service: ReconciliationService;
  snapshots: SnapshotStoreRepository;
}

async function side(stores: StoreEnv): Promise<Side> {
  const dataSource = new DataSource(dataSourceOptions(stores.env.DATABASE_URL));
  await dataSource.initialize();
  const service = reconciliationServicesOver(stores.config, stores.clickhouse, dataSource).service;
  return { stores, dataSource, service, snapshots: new SnapshotStoreRepository(stores.clickhouse) };
}

/** A run's findings as comparable text, without the run id and time. */
async function findingsOf(clickhouse: ClickHouseService, runId: string): Promise<string[]> {
  const columns = join(FINDING_COLUMNS.map((c) => ident(c.name)));
  const rows = await clickhouse.query<FindingRow>(
    sql`SELECT ${columns} FROM findings_history WHERE run_id = ${runId}`,
    { tag: 'test.findings' },
  );
  return withoutClock(rows)
    .map((r) => JSON.stringify(FINDING_COLUMNS.map((c) => String(r[c.name]))))
    .sort();
}

/**
 * An SLA breach still waiting for delivery and a stale snapshot measure time up to the query's now(),
 * which differs between two runs by the time between them; everything else about them must match.
 */
function withoutClock(rows: readonly FindingRow[]): FindingRow[] {
  return rows.map((r) => {
    const details = JSON.parse(r.details) as Record<string, unknown>;
    if (r.kind === 'sla_breach' && details.delivered === false) {
      return { ...r, score: -1, details: JSON.stringify({ ...details, latency_seconds: 'until now' }) };
    }
    if (r.kind === 'stale_snapshot') {
      return { ...r, score: -1, details: JSON.stringify({ ...details, age_seconds: 'until now' }) };
    }
    return r;
  });
}

const outcomes = (summary: RunSummary) =>
  Object.fromEntries(
    Object.entries(summary.ruleCounts).map(([id, o]) => [id, { status: o.status, findings: o.findings ?? 0 }]),
  );

// plain: DDL per shard, MergeTree tables. keeper: ON CLUSTER DDL through ZooKeeper and Replicated tables.
describe.each(['plain', 'keeper'] as const)(
  'two-shard equivalence (%s cluster): one estate reconciled on one server and on two 18.16 shards',
  (kind) => {
    let cluster: LocalCluster;
    let single: Side;
    let sharded: Side;

    beforeAll(async () => {
      cluster = startLocalCluster(kind);
      [single, sharded] = await Promise.all([migratedStores().then(side), migratedStores(cluster).then(side)]);
      const estate = buildEstate(CUSTOMERS, NOW);
      await Promise.all([
        loadEstate(single.snapshots, estate, NOW - 3600, 1),
        loadEstate(sharded.snapshots, estate, NOW - 3600, 1),
      ]);
    }, 120_000);

    afterAll(async () => {
      for (const s of [single, sharded]) {
        if (!s) continue;
        await s.dataSource.destroy();
        await s.stores.cleanup();
      }
      cluster?.stop();
    });

    it('spreads every entity over both shards with all systems of one match key on the same shard', async () => {
      const shards = sharded.stores.clickhouse.shards();
      const tables: [string, string][] = [
        ['current_customer', 'customer_number'],
        ['current_contact', 'email'],
        ['current_credit_profile', 'customer_number'],
        ['current_order', 'order_number'],
        ['current_shipment', 'order_number'],
        ['entity_events', 'match_key'],
      ];
      for (const [table, key] of tables) {
        const perShard = await Promise.all(
          shards.map((shard) =>
            shard.query<{ k: string; systems: string }>(
              sql`SELECT ${ident(key)} AS k, uniqExact(system) AS systems FROM ${ident(table)} GROUP BY k`,
              { tag: 'test.placement' },
            ),
          ),
        );
        const [first, second] = perShard.map((rows) => new Set(rows.map((r) => r.k)));
        const everywhere = await single.stores.clickhouse.query<{ n: string }>(
          sql`SELECT uniqExact(${ident(key)}) AS n FROM ${ident(table)}`,
          { tag: 'test.placement.total' },
        );
        // Each shard holds a real part of the keys; together exactly the single server's keys, none on both.
        expect([
          table,
          first.size > 0.3 * Number(everywhere[0].n),
          second.size > 0.3 * Number(everywhere[0].n),
        ]).toEqual([table, true, true]);
        expect([table, first.size + second.size]).toEqual([table, Number(everywhere[0].n)]);
        expect([table, [...first].filter((k) => second.has(k))]).toEqual([table, []]);
        // Keys seen by two systems exist on both shards, so co-location is not an accident of one side.
        for (const rows of perShard) expect(rows.filter((r) => Number(r.systems) >= 2).length).toBeGreaterThan(10);
      }
      const c0001 = await Promise.all(
        shards.map((shard) =>
          shard.query<{ system: string }>(
            sql`SELECT system FROM current_customer WHERE customer_number = 'C0001' ORDER BY system`,
            { tag: 'test.c0001' },
          ),
        ),
      );
      expect(c0001.map((rows) => rows.map((r) => r.system)).sort()).toEqual([[], ['crm', 'erp']]);
    });

    it('finds the same findings (rule, key, field, values) on both, with shard-local rules run on each shard', async () => {
      const onShards = jest.spyOn(sharded.stores.clickhouse, 'commandOnShards');
      const [one, two] = await Promise.all([
        single.service.run({ trigger: 'api' }),
        sharded.service.run({ trigger: 'api' }),
      ]);
      expect(two.status).toBe('complete');
      expect(one.status).toBe('complete');
      expect(outcomes(two)).toEqual(outcomes(one));
      const [a, b] = await Promise.all([
        findingsOf(single.stores.clickhouse, one.runId),
        findingsOf(sharded.stores.clickhouse, two.runId),
      ]);
      expect(b).toEqual(a);
      // The estate exercises most rules, so identical output is not identical emptiness.
      expect(a.length).toBeGreaterThan(200);
      const fired = Object.values(outcomes(one)).filter((o) => o.findings > 0).length;
      expect(fired).toBeGreaterThanOrEqual(12);
      const shardLocalRules = onShards.mock.calls.filter(
        ([, options]) => options.tag === 'reconciliation.findings.insert',
      );
      expect(shardLocalRules.length).toBeGreaterThanOrEqual(8);
      // Both shards hold findings of their own keys.
      const perShard = await Promise.all(
        sharded.stores.clickhouse.shards().map((s) =>
          s.query<{ n: string }>(sql`SELECT count() AS n FROM findings_history WHERE run_id = ${two.runId}`, {
            tag: 'test.findings.shard',
          }),
        ),
      );
      expect(perShard.every(([r]) => Number(r.n) > 0)).toBe(true);
      expect(perShard.reduce((sum, [r]) => sum + Number(r.n), 0)).toBe(b.length);
      onShards.mockRestore();
    }, 90_000);

    it('stays identical after a second snapshot heals some drift and adds more (resolutions included)', async () => {
      const estate = buildEstate(CUSTOMERS, NOW, 2);
      await Promise.all([
        loadEstate(single.snapshots, estate, NOW - 1800, 2),
        loadEstate(sharded.snapshots, estate, NOW - 1800, 2),
      ]);
      const [one, two] = await Promise.all([
        single.service.run({ trigger: 'api' }),
        sharded.service.run({ trigger: 'api' }),
      ]);
      expect(one.resolvedTotal).toBeGreaterThan(0);
      expect(two.resolvedTotal).toBe(one.resolvedTotal);
      expect(two.findingsTotal).toBe(one.findingsTotal);
      expect(outcomes(two)).toEqual(outcomes(one));
      expect(await findingsOf(sharded.stores.clickhouse, two.runId)).toEqual(
        await findingsOf(single.stores.clickhouse, one.runId),
      );
    }, 90_000);
  },
);
