/**
 * reconcile-1m / reconcile-5m: three systems × N customers (ten compared fields, 1% missing and 2%
 * changed in the CRM, 0.5% duplicate CRM accounts), generated directly in ClickHouse with INSERT …
 * SELECT FROM numbers() (the demo estate is far too slow at 5M) and in Postgres with generate_series.
 * Measures (a) a raw two-system hash diff in ClickHouse, (b) a Postgres FULL OUTER JOIN over the
 * same columns, (c) Driftwatch's presence + field_match run (ClickHouse + findings lifecycle in
 * Postgres), (d) the default pack except duplicates, (e) the duplicates rule alone, (f) a targeted
 * re-run after 1% of CRM records changed; (c) once more on unchanged data (the steady state of a
 * scheduled run: every finding already known) and a third time (the second moved every finding from new
 * to open; from the third on a sighting is a HOT update); and precision/recall of (c) and (e) against the generator.
 * Then the pack once more, as the next scheduled full run meets the CRM: its full snapshot plus an
 * incremental. Of (c), (d) and (f), the seconds of ClickHouse queries alone too (the rest of a run is
 * mostly the Postgres merges of its findings). (a) and (b) are the median of three timings; everything is timed after ClickHouse's
 * background merges of the generated data are done.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { DEFAULT_RULES_DIR, loadRules } from '@driftwatch/reconciliation-rules';
import { raw, sql } from '../../../backend/src/clickhouse/sql';
import { SnapshotStoreRepository } from '../../../backend/src/modules/snapshots/snapshot-store.repository';
import type { BenchFigures, BenchScenario } from '../bench-scenario';
import {
  clickhouseSeconds,
  complete,
  medianSeconds,
  mergeSeconds,
  openReconcileBench,
  seconds,
  waitForMerges,
} from '../support/reconcile-bench';

const BENCH_RULES_DIR = join(__dirname, '..', 'reconcile-rules');
const FIELDS = [
  'legal_name',
  'tax_id',
  'billing_address_line1',
  'billing_address_city',
  'billing_address_postal_code',
  'billing_address_country',
  'country',
  'phone',
  'email',
  'status',
] as const;
// Value of each compared field for customer number i (ClickHouse and Postgres spell them alike).
const CH_VALUES: Record<(typeof FIELDS)[number], string> = {
  legal_name: "concat('Company ', toString(i))",
  tax_id: "concat('TX', toString(i))",
  billing_address_line1: "concat(toString(i % 9999), ' Main St')",
  billing_address_city: "concat('City ', toString(i % 500))",
  billing_address_postal_code: 'toString(10000 + i % 89999)',
  billing_address_country: "'US'",
  country: "'US'",
  phone: "concat('+1555', toString(1000000 + i % 8999999))",
  email: "concat('ap', toString(i), '@example.com')",
  status: "'active'",
};
const PG_VALUES: Record<(typeof FIELDS)[number], string> = {
  legal_name: "'Company ' || i",
  tax_id: "'TX' || i",
  billing_address_line1: "(i % 9999) || ' Main St'",
  billing_address_city: "'City ' || (i % 500)",
  billing_address_postal_code: '(10000 + i % 89999)::text',
  billing_address_country: "'US'",
  country: "'US'",
  phone: "'+1555' || (1000000 + i % 8999999)",
  email: "'ap' || i || '@example.com'",
  status: "'active'",
};
const isMissing = (i: number) => i % 100 === 7;
const isChanged = (i: number) => i % 50 === 3;
const changedField = (i: number) => FIELDS[Math.floor(i / 50) % 10];
const isDuplicated = (i: number) => i % 200 === 11;

function chFields(system: 'erp' | 'crm' | 'wms'): string {
  return FIELDS.map((f, k) => {
    const base = CH_VALUES[f];
    return system === 'crm'
      ? `if(i % 50 = 3 AND intDiv(i, 50) % 10 = ${k}, concat(${base}, 'X'), ${base}) AS ${f}`
      : `${base} AS ${f}`;
  }).join(', ');
}

function pgFields(system: 'erp' | 'crm'): string {
  return FIELDS.map((f, k) => {
    const base = PG_VALUES[f];
    return system === 'crm'
      ? `CASE WHEN i % 50 = 3 AND (i / 50) % 10 = ${k} THEN ${base} || 'X' ELSE ${base} END`
      : base;
  }).join(', ');
}

function makeScenario(name: string, defaultRows: number): BenchScenario {
  return {
    name,
    description: `reconciliation of 3 systems × ${defaultRows.toLocaleString('en-US')} customers vs raw diff and Postgres`,
    async run(args: string[]): Promise<BenchFigures> {
      const { values } = parseArgs({ args, options: { rows: { type: 'string' } } });
      const n = values.rows ? Number(values.rows) : defaultRows;
      if (!Number.isInteger(n) || n < 1000) throw new Error('--rows must be a whole number of at least 1000');
      const { clickhouse, pg, opts, serviceFor, close } = await openReconcileBench(name);
      try {
        process.stderr.write(`generating ${n} customers × 3 systems in ClickHouse …\n`);
        const now = Math.floor(Date.now() / 1000);
        // As the snapshot pipeline lands a full snapshot: its rows in snapshot_customer, copied into the
        // current state, then catalogued (which measures whether it holds each record once).
        const snapshotColumns = `system, entity_key, snapshot_id, captured_at, source_updated_at, customer_number, ${FIELDS.join(', ')}`;
        const insert = (system: 'erp' | 'crm' | 'wms', where: string, key: string, fields: string) =>
          clickhouse.command(
            raw(`INSERT INTO snapshot_customer (${snapshotColumns})
              SELECT '${system}', ${key}, 'bench-${system}', toDateTime(${now}), toDateTime(${now}), customer_number, ${FIELDS.join(', ')}
              FROM (SELECT number AS i, concat('C', toString(i)) AS customer_number, ${fields} FROM numbers(${n}) WHERE ${where})`),
            opts,
          );
        await insert('erp', '1', "concat('erp-', customer_number)", chFields('erp'));
        await insert('crm', 'i % 100 != 7', "concat('crm-', customer_number)", chFields('crm'));
        await insert('wms', '1', "concat('wms-', customer_number)", chFields('wms'));
        // Duplicate CRM accounts: no customer number, the tax id spelled differently.
        await clickhouse.command(
          raw(`INSERT INTO snapshot_customer (system, entity_key, snapshot_id, captured_at, source_updated_at, customer_number,
              legal_name, tax_id)
            SELECT 'crm', concat('crm-D', toString(number)), 'bench-crm', toDateTime(${now}), toDateTime(${now}), '',
              concat('Company ', toString(number), ' Inc'), concat('tx-', toString(number))
            FROM numbers(${n}) WHERE number % 200 = 11`),
          opts,
        );
        await clickhouse.command(
          raw(`INSERT INTO current_customer (${snapshotColumns}, version, deleted)
            SELECT ${snapshotColumns}, 1, 0 FROM snapshot_customer`),
          opts,
        );
        await clickhouse.command(raw('OPTIMIZE TABLE current_customer FINAL'), opts);
        const snapshots = new SnapshotStoreRepository(clickhouse);
        for (const system of ['erp', 'crm', 'wms']) {
          await snapshots.addToCatalog({
            snapshotId: `bench-${system}`,
            system,
            entity: 'customer',
            mode: 'full',
            rowCount: n,
            rejectCount: 0,
            startedAt: new Date(now * 1000),
            completedAt: new Date(now * 1000),
          });
        }
        process.stderr.write('generating the same two systems in Postgres …\n');
        const pgTable = async (table: string, system: 'erp' | 'crm', where: string) => {
          await pg.query(
            `CREATE UNLOGGED TABLE ${table} (customer_number text PRIMARY KEY, ${FIELDS.map((f) => `${f} text`).join(', ')})`,
          );
          await pg.query(
            `INSERT INTO ${table} SELECT 'C' || i, ${pgFields(system)} FROM generate_series(0, ${n - 1}) AS i WHERE ${where}`,
          );
          await pg.query(`ANALYZE ${table}`);
        };
        await pgTable('bench_erp', 'erp', 'true');
        await pgTable('bench_crm', 'crm', 'i % 100 <> 7');

        // Every figure is timed once ClickHouse has merged the generated parts: a background merge
        // competes for the two cores with whatever is being timed.
        await waitForMerges(clickhouse);
        const hashOf = `cityHash64(${FIELDS.join(', ')})`;
        const [rawSeconds, rawDiff] = await medianSeconds(() =>
          clickhouse.query<{ n: string }>(
            raw(`SELECT count() AS n FROM (
                SELECT cityHash64(customer_number) AS k, ${hashOf} AS a_h FROM current_customer WHERE system = 'erp'
              ) ALL FULL OUTER JOIN (
                SELECT cityHash64(customer_number) AS k, ${hashOf} AS b_h FROM current_customer WHERE system = 'crm' AND customer_number != ''
              ) USING k WHERE a_h != b_h`),
            opts,
          ),
        );
        const [pgSeconds, pgDiff] = await medianSeconds(() =>
          pg.query<{ n: string }>(
            `SELECT count(*) AS n FROM bench_erp e FULL OUTER JOIN bench_crm c USING (customer_number)
             WHERE e.customer_number IS NULL OR c.customer_number IS NULL
                OR (${FIELDS.map((f) => `e.${f}`).join(', ')}) IS DISTINCT FROM (${FIELDS.map((f) => `c.${f}`).join(', ')})`,
          ),
        );
        process.stderr.write(
          `raw diff ${rawDiff[0]?.n} rows in ${rawSeconds.toFixed(2)} s; postgres ${pgDiff.rows[0]?.n} in ${pgSeconds.toFixed(2)} s\n`,
        );

        const bench = serviceFor(BENCH_RULES_DIR);
        const [twoSeconds, two] = await seconds(() =>
          bench.run({ trigger: 'api', ruleIds: ['customer.bench-presence', 'customer.bench-fields'] }).then(complete),
        );
        process.stderr.write(`two-system: ${JSON.stringify(two.ruleCounts)}\n`);
        // Precision and recall of the exact rules against the generator's ground truth.
        let truePositives = 0;
        let found = 0;
        for await (const row of clickhouse.stream<{ rule_id: string; kind: string; match_key: string; field: string }>(
          sql`SELECT rule_id, kind, match_key, field FROM findings_history WHERE run_id = ${two.runId}`,
          { tag: 'bench.truth' },
        )) {
          found += 1;
          const i = Number(row.match_key.slice(1));
          if (row.rule_id === 'customer.bench-presence')
            truePositives += row.kind === 'missing' && isMissing(i) ? 1 : 0;
          else truePositives += row.kind === 'mismatch' && isChanged(i) && changedField(i) === row.field ? 1 : 0;
        }
        let expected = 0;
        for (let i = 0; i < n; i++) expected += (isMissing(i) ? 1 : 0) + (isChanged(i) ? 1 : 0);

        // (c) again on unchanged data: the steady state of a scheduled run, every finding already known.
        const [rerunSeconds, rerun] = await seconds(() =>
          bench.run({ trigger: 'api', ruleIds: ['customer.bench-presence', 'customer.bench-fields'] }).then(complete),
        );
        process.stderr.write(`two-system again: ${JSON.stringify(rerun.ruleCounts)}\n`);
        // And a third time: the second sighting moved every finding from new to open (indexed, so each
        // was a non-HOT update); from the third on, a sighting changes nothing indexed (migration 0016).
        const [steadySeconds, steady] = await seconds(() =>
          bench.run({ trigger: 'api', ruleIds: ['customer.bench-presence', 'customer.bench-fields'] }).then(complete),
        );
        process.stderr.write(`two-system third time: ${JSON.stringify(steady.ruleCounts)}\n`);

        const packIds = loadRules(DEFAULT_RULES_DIR)
          .rules.filter((r) => r.rule.kind !== 'duplicates' && r.rule.enabled)
          .map((r) => r.rule.id);
        const [packSeconds, pack] = await seconds(() =>
          serviceFor(DEFAULT_RULES_DIR).run({ trigger: 'api', ruleIds: packIds }).then(complete),
        );
        process.stderr.write(`pack: ${JSON.stringify(pack.ruleCounts)}\n`);

        const [dupSeconds, dup] = await seconds(() =>
          bench.run({ trigger: 'api', ruleIds: ['customer.bench-duplicates'] }).then(complete),
        );
        let dupTrue = 0;
        let dupFound = 0;
        for await (const row of clickhouse.stream<{ expected_value: string; actual_value: string }>(
          sql`SELECT expected_value, actual_value FROM findings_history WHERE run_id = ${dup.runId}`,
          { tag: 'bench.dup.truth' },
        )) {
          dupFound += 1;
          const i = Number(row.expected_value.replace('crm-C', ''));
          if (isDuplicated(i) && row.actual_value === `crm-D${i}`) dupTrue += 1;
        }
        let dupExpected = 0;
        for (let i = 0; i < n; i++) dupExpected += isDuplicated(i) ? 1 : 0;

        // 1% of CRM records change: an incremental snapshot of them lands (new versions in the current
        // state, catalogued a second later), then targeted runs on their keys.
        await clickhouse.command(
          raw(`INSERT INTO snapshot_customer (${snapshotColumns})
            SELECT 'crm', concat('crm-', customer_number), 'bench-2', toDateTime(${now + 1}), toDateTime(${now + 1}), customer_number,
              ${FIELDS.join(', ')}
            FROM (SELECT number AS i, concat('C', toString(i)) AS customer_number, ${chFields('erp').replace(
              "concat('Company ', toString(i)) AS legal_name",
              "concat('Company ', toString(i), ' Renamed') AS legal_name",
            )} FROM numbers(${n}) WHERE i % 100 = 13)`),
          opts,
        );
        await clickhouse.command(
          raw(`INSERT INTO current_customer (${snapshotColumns}, version, deleted)
            SELECT ${snapshotColumns}, 2, 0 FROM snapshot_customer WHERE snapshot_id = 'bench-2'`),
          opts,
        );
        await snapshots.addToCatalog({
          snapshotId: 'bench-2',
          system: 'crm',
          entity: 'customer',
          mode: 'incremental',
          rowCount: n / 100,
          rejectCount: 0,
          startedAt: new Date((now + 1) * 1000),
          completedAt: new Date((now + 1) * 1000),
        });
        // As after an event-triggered snapshot: one run targeted at the keys that snapshot holds.
        const [incrementalSeconds, incremental] = await seconds(() =>
          bench
            .run({
              trigger: 'event',
              ruleIds: ['customer.bench-presence', 'customer.bench-fields'],
              target: { entity: 'customer', snapshotRunId: 'bench-2' },
            })
            .then(complete),
        );
        process.stderr.write(`incremental: ${JSON.stringify(incremental.ruleCounts)}\n`);
        // The pack's next scheduled full run: the CRM is now its full snapshot plus an incremental (an
        // overlay), the state most full runs meet between full snapshots.
        const [packAfterSeconds, packAfter] = await seconds(() =>
          serviceFor(DEFAULT_RULES_DIR).run({ trigger: 'schedule', ruleIds: packIds }).then(complete),
        );
        process.stderr.write(`pack after the incremental: ${JSON.stringify(packAfter.ruleCounts)}\n`);

        return {
          customers: n,
          raw_hash_diff_seconds: rawSeconds,
          postgres_seconds: pgSeconds,
          two_system_seconds: twoSeconds,
          two_system_rerun_seconds: rerunSeconds,
          two_system_steady_seconds: steadySeconds,
          pack_seconds: packSeconds,
          duplicates_seconds: dupSeconds,
          incremental_seconds: incrementalSeconds,
          pack_after_incremental_seconds: packAfterSeconds,
          ratio_vs_raw: twoSeconds / rawSeconds,
          speedup_vs_postgres: pgSeconds / twoSeconds,
          rerun_ratio_vs_raw: rerunSeconds / rawSeconds,
          steady_ratio_vs_raw: steadySeconds / rawSeconds,
          // Of the second and third runs of (c): the Postgres merges alone (their statements' wall time).
          two_system_rerun_merge_seconds: mergeSeconds(rerun.ruleCounts),
          two_system_steady_merge_seconds: mergeSeconds(steady.ruleCounts),
          pack_ratio_vs_raw: packSeconds / rawSeconds,
          incremental_speedup: packSeconds / incrementalSeconds,
          pack_after_incremental_ratio_vs_raw: packAfterSeconds / rawSeconds,
          // Of (c), (d) and (f): the ClickHouse queries alone (see clickhouseSeconds).
          two_system_clickhouse_seconds: clickhouseSeconds(two.ruleCounts),
          two_system_clickhouse_ratio_vs_raw: clickhouseSeconds(two.ruleCounts) / rawSeconds,
          pack_clickhouse_seconds: clickhouseSeconds(pack.ruleCounts),
          incremental_clickhouse_seconds: clickhouseSeconds(incremental.ruleCounts),
          precision: found === 0 ? 0 : truePositives / found,
          recall: expected === 0 ? 0 : truePositives / expected,
          dup_precision: dupFound === 0 ? 0 : dupTrue / dupFound,
          dup_recall: dupExpected === 0 ? 0 : dupTrue / dupExpected,
          findings_two_system: two.findingsTotal,
          findings_pack: pack.findingsTotal,
        };
      } finally {
        await close();
      }
    },
  };
}

export const reconcile1mScenario = makeScenario('reconcile-1m', 1_000_000);
export const reconcile5mScenario = makeScenario('reconcile-5m', 5_000_000);
