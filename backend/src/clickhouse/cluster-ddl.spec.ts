import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLICKHOUSE_MIGRATIONS_DIR, loadMigrations } from './clickhouse-migrator';
import {
  ClusterDdlError,
  clusterStatements,
  redefineDistributed,
  shardingKey,
  type ClusterTopology,
} from './cluster-ddl';

const PER_SHARD: ClusterTopology = {
  cluster: 'driftwatch',
  shardUrls: ['http://a:8123', 'http://b:8123'],
  ddl: 'per_shard',
  replicated: false,
  replicationPath: '/clickhouse/tables/{shard}/{database}/{table}',
};
const REPLICATED: ClusterTopology = { ...PER_SHARD, ddl: 'on_cluster', replicated: true };
const GOLDEN_DIR = join(__dirname, 'cluster-ddl.golden');

// Golden files cover the migrations that can no longer change; regenerate with UPDATE_GOLDEN=1.
async function render(topology: ClusterTopology): Promise<string> {
  const migrations = (await loadMigrations(CLICKHOUSE_MIGRATIONS_DIR)).filter((m) => m.version <= 2);
  const out: string[] = [];
  for (const m of migrations) {
    for (const [i, statement] of m.statements.entries()) {
      for (const planned of clusterStatements(statement, topology, 'driftwatch')) {
        out.push(`-- ${String(m.version).padStart(4, '0')}_${m.name} statement ${i + 1} [${planned.placement}]`);
        out.push(`${planned.sql};`, '');
      }
    }
  }
  return out.join('\n');
}

function expectGolden(file: string, actual: string): void {
  const path = join(GOLDEN_DIR, file);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('clusterStatements', () => {
  it('turns migrations 0001-0002 into shard tables and Distributed tables (per-shard DDL, golden)', async () => {
    expectGolden('per-shard.sql', await render(PER_SHARD));
  });

  it('turns migrations 0001-0002 into Replicated engines with ON CLUSTER DDL (golden)', async () => {
    expectGolden('on-cluster-replicated.sql', await render(REPLICATED));
  });

  it('transforms every migration in the directory, including ones added later', async () => {
    const migrations = await loadMigrations(CLICKHOUSE_MIGRATIONS_DIR);
    for (const m of migrations) {
      for (const statement of m.statements) {
        for (const topology of [PER_SHARD, REPLICATED]) {
          expect(clusterStatements(statement, topology, 'driftwatch').length).toBeGreaterThan(0);
        }
      }
    }
  });

  it("shards every table by its entity's match key, so one entity's records from every system meet", () => {
    const cols = (...c: string[]) => ['system', 'entity_key', ...c];
    expect(shardingKey('current_customer', cols('customer_number'))).toBe('cityHash64(customer_number)');
    expect(shardingKey('snapshot_credit_profile', cols('customer_key', 'customer_number'))).toBe(
      'cityHash64(customer_number)',
    );
    expect(shardingKey('snapshot_contact', cols('customer_number', 'email'))).toBe('cityHash64(email)');
    // An order's records meet by order number (order rules join on it), not by its customer.
    expect(shardingKey('current_order', cols('order_number', 'customer_number'))).toBe('cityHash64(order_number)');
    expect(shardingKey('current_shipment', cols('order_number'))).toBe('cityHash64(order_number)');
    expect(shardingKey('entity_events', cols('match_key'))).toBe('cityHash64(match_key)');
    expect(shardingKey('findings_history', ['run_id', 'rule_id', 'match_key'])).toBe('cityHash64(match_key)');
    expect(shardingKey('rejected_records', cols('snapshot_id'))).toBe('cityHash64(entity_key)');
    expect(shardingKey('snapshot_catalog', ['snapshot_id', 'system'])).toBe('cityHash64(snapshot_id)');
    expect(shardingKey('findings_daily', ['day', 'rule_id'])).toBe('rand()');
  });

  it('declares MATERIALIZED columns as ALIAS on the Distributed table only', () => {
    const [shard, entry] = clusterStatements(
      "CREATE TABLE IF NOT EXISTS t_customer (customer_number String, h UInt64 MATERIALIZED cityHash64(customer_number, 'a,b')) ENGINE = MergeTree ORDER BY h",
      PER_SHARD,
      'dw',
    );
    expect(shard).toEqual({
      placement: 'shard',
      sql: "CREATE TABLE IF NOT EXISTS t_customer (customer_number String, h UInt64 MATERIALIZED cityHash64(customer_number, 'a,b')) ENGINE = MergeTree ORDER BY h",
    });
    expect(entry.placement).toBe('entry');
    expect(entry.sql).toBe(
      "CREATE TABLE IF NOT EXISTS t_customer (\n    customer_number String,\n    h UInt64 ALIAS cityHash64(customer_number, 'a,b')\n) ENGINE = Distributed(driftwatch, dw_local, t_customer, cityHash64(customer_number))",
    );
  });

  it('keeps engine arguments after the replication path and replica macro', () => {
    const [shard] = clusterStatements(
      'CREATE TABLE s (day Date, n UInt64) ENGINE = SummingMergeTree(n) ORDER BY day',
      REPLICATED,
      'dw',
    );
    expect(shard.sql).toBe(
      "CREATE TABLE dw_local.s ON CLUSTER driftwatch (day Date, n UInt64) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/dw/s', '{replica}', n) ORDER BY day",
    );
  });

  it('puts materialized views on the shards, reading and writing shard tables', () => {
    const mv = 'CREATE MATERIALIZED VIEW IF NOT EXISTS v TO d AS SELECT x, count() AS n FROM h GROUP BY x';
    expect(clusterStatements(mv, PER_SHARD, 'dw')).toEqual([{ placement: 'shard', sql: mv }]);
    expect(clusterStatements(mv, REPLICATED, 'dw')[0].sql).toBe(
      'CREATE MATERIALIZED VIEW IF NOT EXISTS dw_local.v ON CLUSTER driftwatch TO dw_local.d AS SELECT x, count() AS n FROM dw_local.h GROUP BY x',
    );
    expect(() =>
      clusterStatements('CREATE MATERIALIZED VIEW v ENGINE = MergeTree ORDER BY x AS SELECT x FROM h', PER_SHARD, 'dw'),
    ).toThrow(/must write TO a table/);
  });

  it('qualifies only table names after FROM/JOIN in ON CLUSTER views, not strings, functions or qualified names', () => {
    const [shard, entry] = clusterStatements(
      "CREATE VIEW w AS SELECT 'FROM x' AS s FROM a ANY LEFT JOIN other.b USING k WHERE k IN (SELECT k FROM numbers(3))",
      REPLICATED,
      'dw',
    );
    expect(shard.sql).toBe(
      "CREATE VIEW dw_local.w ON CLUSTER driftwatch AS SELECT 'FROM x' AS s FROM dw_local.a ANY LEFT JOIN other.b USING k WHERE k IN (SELECT k FROM numbers(3))",
    );
    expect(entry.sql).toContain('FROM dw.a ANY LEFT JOIN other.b');
  });

  it('sends column changes to both layers and mutations to the shards only', () => {
    expect(clusterStatements('ALTER TABLE t ADD COLUMN c UInt64 MATERIALIZED 1', PER_SHARD, 'dw')).toEqual([
      { placement: 'shard', sql: 'ALTER TABLE t ADD COLUMN c UInt64 MATERIALIZED 1' },
      { placement: 'entry', sql: 'ALTER TABLE t ADD COLUMN c UInt64 ALIAS 1' },
    ]);
    expect(clusterStatements("ALTER TABLE t DELETE WHERE s = 'a, b'", REPLICATED, 'dw')).toEqual([
      { placement: 'shard', sql: "ALTER TABLE dw_local.t ON CLUSTER driftwatch DELETE WHERE s = 'a, b'" },
    ]);
    expect(() => clusterStatements('ALTER TABLE t ADD COLUMN c UInt8, DELETE WHERE 1', PER_SHARD, 'dw')).toThrow(
      /separate statements/,
    );
  });

  it('defines a Distributed table again instead of an ON CLUSTER ALTER a keeper refuses', () => {
    // A keeper runs ALTER ON CLUSTER once per shard with internal_replication, and only for replicated
    // tables: "Table t isn't replicated, but shard #1 is replicated according to its cluster definition".
    expect(clusterStatements('ALTER TABLE snapshot_t ADD COLUMN c UInt64 MATERIALIZED 1', REPLICATED, 'dw')).toEqual([
      {
        placement: 'shard',
        sql: 'ALTER TABLE dw_local.snapshot_t ON CLUSTER driftwatch ADD COLUMN c UInt64 MATERIALIZED 1',
      },
      {
        placement: 'redefine',
        sql: 'ALTER TABLE dw.snapshot_t ON CLUSTER driftwatch ADD COLUMN c UInt64 ALIAS 1',
        table: 'snapshot_t',
      },
    ]);
    const columns = [
      { name: 'customer_number', type: 'String', default_type: '', default_expression: '' },
      {
        name: 'key_hash',
        type: 'UInt64',
        default_type: 'MATERIALIZED',
        default_expression: 'cityHash64(customer_number)',
      },
      { name: 'flag', type: 'UInt8', default_type: 'DEFAULT', default_expression: '0' },
    ];
    expect(redefineDistributed('snapshot_customer', columns, REPLICATED, 'dw')).toEqual([
      'DROP TABLE IF EXISTS dw.snapshot_customer ON CLUSTER driftwatch',
      'CREATE TABLE dw.snapshot_customer ON CLUSTER driftwatch (\n    customer_number String,\n    ' +
        'key_hash UInt64 ALIAS cityHash64(customer_number),\n    flag UInt8 DEFAULT 0\n) ' +
        'ENGINE = Distributed(driftwatch, dw_local, snapshot_customer, cityHash64(customer_number))',
    ]);
  });

  it('drops both layers, optimizes shards, runs data statements once', () => {
    expect(clusterStatements('DROP TABLE IF EXISTS t', PER_SHARD, 'dw')).toEqual([
      { placement: 'entry', sql: 'DROP TABLE IF EXISTS t' },
      { placement: 'shard', sql: 'DROP TABLE IF EXISTS t' },
    ]);
    expect(clusterStatements('OPTIMIZE TABLE t FINAL', REPLICATED, 'dw')).toEqual([
      { placement: 'shard', sql: 'OPTIMIZE TABLE dw_local.t ON CLUSTER driftwatch FINAL' },
    ]);
    expect(clusterStatements("INSERT INTO t SELECT 'x'", REPLICATED, 'dw')).toEqual([
      { placement: 'once', sql: "INSERT INTO t SELECT 'x'" },
    ]);
  });

  it('refuses what it cannot place, naming the statement', () => {
    expect(() => clusterStatements('RENAME TABLE a TO b', PER_SHARD, 'dw')).toThrow(ClusterDdlError);
    expect(() => clusterStatements('RENAME TABLE a TO b', PER_SHARD, 'dw')).toThrow(/RENAME TABLE a TO b/);
    expect(() => clusterStatements('CREATE TABLE m (x UInt8) ENGINE = Memory', PER_SHARD, 'dw')).toThrow(
      /engine Memory cannot be sharded/,
    );
  });
});
