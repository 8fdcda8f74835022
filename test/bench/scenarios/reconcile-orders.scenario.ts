/**
 * reconcile-orders: the default pack's order rules at tens of millions of orders per system. ERP and
 * CRM each hold N orders (default 20M) of N/10 customers, generated in ClickHouse with INSERT … SELECT
 * FROM numbers(): 1% of the ERP's orders missing from the CRM, 2% with a CRM status the ERP moved on
 * from, the CRM lacking 0.1% of the customers (their CRM orders are orphans), and 1% of orders with a
 * status change in the last week whose CRM copy arrived a minute later, an hour later (0.1%) or never
 * (0.1%). Measures, in one run: a raw two-system hash diff of the orders in ClickHouse (the baseline,
 * median of three), then the order rules (presence, status and total match, customer orphans, the
 * ERP → CRM status SLA, open-order exposure per customer) through ReconciliationService.run, once with
 * every finding new and once more with every finding known; precision and recall of the presence,
 * status, orphan and SLA findings against the generator.
 *
 *   npm run bench -- reconcile-orders [--orders 20000000]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_RULES_DIR } from '@driftwatch/reconciliation-rules';
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

const ORDER_RULES = [
  'order.presence',
  'order.status-match',
  'order.customer-orphans',
  'order.status-propagation-sla',
  'credit.open-order-exposure',
];
const STATUSES = ['draft', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled'] as const;
const CH_STATUSES = `[${STATUSES.map((s) => `'${s}'`).join(', ')}]`;
const DAY = 86_400;

/** What the generator did to order i (of n orders, m customers), as the rules should see it. */
const truth = (m: number) => ({
  // Never a draft (i is odd, drafts are i % 6 = 0), which the CRM is not expected to hold.
  missingInCrm: (i: number) => i % 100 === 7,
  staleStatus: (i: number) => i % 50 === 3,
  orphanInCrm: (i: number) => i % 100 !== 7 && (i % m) % 1000 === 999,
  slaBreach: (i: number) => i % 100 === 50 && (i % 1000 === 50 || i % 1000 === 150),
});

export const reconcileOrdersScenario: BenchScenario = {
  name: 'reconcile-orders',
  description: 'order rules of the default pack over ERP + CRM × 20M orders vs a raw ClickHouse diff',
  async run(args: string[]): Promise<BenchFigures> {
    const { values } = parseArgs({ args, options: { orders: { type: 'string', default: '20000000' } } });
    const n = Number(values.orders);
    if (!Number.isInteger(n) || n < 10_000) throw new Error('--orders must be a whole number of at least 10000');
    const m = Math.floor(n / 10);
    const { clickhouse, opts, serviceFor, close } = await openReconcileBench('reconcile-orders');
    try {
      const now = Math.floor(Date.now() / 1000);
      const at = (seconds: string) => `toDateTime(${now} - (${seconds}))`;
      process.stderr.write(`generating ${n} orders of ${m} customers × 2 systems in ClickHouse …\n`);
      const customerColumns = 'system, entity_key, snapshot_id, captured_at, source_updated_at, customer_number';
      const orderColumns = `system, entity_key, snapshot_id, captured_at, source_updated_at, order_number, customer_key,
        customer_number, status, status_changed_at, total, currency`;
      for (const system of ['erp', 'crm'] as const) {
        await clickhouse.command(
          raw(`INSERT INTO snapshot_customer (${customerColumns})
            SELECT '${system}', concat('${system}-C', toString(number)), 'bench-${system}-customer', ${at('0')}, ${at(`${60 * DAY}`)},
              concat('C', toString(number))
            FROM numbers(${m}) WHERE ${system === 'crm' ? 'number % 1000 != 999' : '1'}`),
          opts,
        );
        // Last changed a month ago, so the status match's settle time (15 min) is long past.
        const changed = at(`${30 * DAY} + i % ${DAY}`);
        const status =
          system === 'crm' ? `${CH_STATUSES}[if(i % 50 = 3, (i + 1) % 6, i % 6) + 1]` : `${CH_STATUSES}[i % 6 + 1]`;
        await clickhouse.command(
          raw(`INSERT INTO snapshot_order (${orderColumns})
            SELECT '${system}', concat('${system}-SO', toString(i)), 'bench-${system}-order', ${at('0')}, ${changed},
              concat('SO', toString(i)), concat('${system}-C', toString(i % ${m})), concat('C', toString(i % ${m})),
              ${status}, ${changed}, toDecimal64(i % 100000, 2), 'USD'
            FROM (SELECT number AS i FROM numbers(${n})) WHERE ${system === 'crm' ? 'i % 100 != 7' : '1'}`),
          opts,
        );
      }
      // As the snapshot pipeline lands a full snapshot: its rows copied into the current state.
      for (const [entity, columns] of [
        ['customer', customerColumns],
        ['order', orderColumns],
      ]) {
        await clickhouse.command(
          raw(
            `INSERT INTO current_${entity} (${columns}, version, deleted) SELECT ${columns}, 1, 0 FROM snapshot_${entity}`,
          ),
          opts,
        );
      }
      // A status change in the last week for 1% of orders: the ERP's event, and the CRM's copy of it.
      const events = (system: 'erp' | 'crm', delay: string, where: string) =>
        clickhouse.command(
          raw(`INSERT INTO entity_events (system, entity, entity_key, match_key, field, value, occurred_at, captured_at)
            SELECT '${system}', 'order', concat('${system}-SO', toString(i)), concat('SO', toString(i)), 'status',
              ${CH_STATUSES}[i % 6 + 1], ${at(`3600 + i % ${6 * DAY} - (${delay})`)}, ${at('0')}
            FROM (SELECT number AS i FROM numbers(${n})) WHERE i % 100 = 50 AND ${where}`),
          opts,
        );
      await events('erp', '0', '1');
      await events('crm', '60', 'i % 1000 NOT IN (50, 150)');
      await events('crm', '3600', 'i % 1000 = 50');
      const snapshots = new SnapshotStoreRepository(clickhouse);
      for (const system of ['erp', 'crm'])
        for (const entity of ['customer', 'order'] as const)
          await snapshots.addToCatalog({
            snapshotId: `bench-${system}-${entity}`,
            system,
            entity,
            mode: 'full',
            rowCount: entity === 'order' ? n : m,
            rejectCount: 0,
            startedAt: new Date(now * 1000),
            completedAt: new Date(now * 1000),
          });
      await clickhouse.command(raw('OPTIMIZE TABLE current_order FINAL'), opts);
      await waitForMerges(clickhouse);

      const hashOf = 'cityHash64(customer_number, status, toString(total))';
      const [rawSeconds, rawDiff] = await medianSeconds(() =>
        clickhouse.query<{ n: string }>(
          raw(`SELECT count() AS n FROM (
              SELECT cityHash64(order_number) AS k, ${hashOf} AS a_h FROM current_order WHERE system = 'erp'
            ) ALL FULL OUTER JOIN (
              SELECT cityHash64(order_number) AS k, ${hashOf} AS b_h FROM current_order WHERE system = 'crm'
            ) USING k WHERE a_h != b_h`),
          opts,
        ),
      );
      process.stderr.write(`raw diff ${rawDiff[0]?.n} rows in ${rawSeconds.toFixed(2)} s\n`);

      const service = serviceFor(DEFAULT_RULES_DIR);
      const [firstSeconds, first] = await seconds(() =>
        service.run({ trigger: 'api', ruleIds: ORDER_RULES }).then(complete),
      );
      process.stderr.write(`order rules: ${JSON.stringify(first.ruleCounts)}\n`);
      const [againSeconds, again] = await seconds(() =>
        service.run({ trigger: 'api', ruleIds: ORDER_RULES }).then(complete),
      );
      process.stderr.write(`order rules again: ${JSON.stringify(again.ruleCounts)}\n`);

      // Precision and recall of the exact rules against the generator.
      const is = truth(m);
      const expected = { presence: 0, status: 0, orphans: 0, sla: 0 };
      for (let i = 0; i < n; i++) {
        if (is.missingInCrm(i)) expected.presence++;
        if (is.staleStatus(i)) expected.status++;
        if (is.orphanInCrm(i)) expected.orphans++;
        if (is.slaBreach(i)) expected.sla++;
      }
      const found = { presence: 0, status: 0, orphans: 0, sla: 0 };
      const correct = { presence: 0, status: 0, orphans: 0, sla: 0 };
      for await (const row of clickhouse.stream<{ rule_id: string; kind: string; match_key: string; field: string }>(
        sql`SELECT rule_id, kind, match_key, field FROM findings_history
            WHERE run_id = ${first.runId} AND rule_id != 'credit.open-order-exposure'`,
        { tag: 'bench.orders.truth' },
      )) {
        // The order number (SO<i>), or for orphans the CRM's own key of the order (crm-SO<i>).
        const i = Number(row.match_key.replace(/^.*SO/, ''));
        const [bucket, right] =
          row.rule_id === 'order.presence'
            ? (['presence', row.kind === 'missing' && is.missingInCrm(i)] as const)
            : row.rule_id === 'order.status-match'
              ? (['status', row.field === 'status' && is.staleStatus(i)] as const)
              : row.rule_id === 'order.customer-orphans'
                ? (['orphans', row.kind === 'orphan' && is.orphanInCrm(i)] as const)
                : (['sla', row.kind === 'sla_breach' && is.slaBreach(i)] as const);
        found[bucket]++;
        if (right) correct[bucket]++;
      }
      const totalFound = Object.values(found).reduce((a, b) => a + b, 0);
      const totalCorrect = Object.values(correct).reduce((a, b) => a + b, 0);
      const totalExpected = Object.values(expected).reduce((a, b) => a + b, 0);
      const outcome = (id: string) => first.ruleCounts[id];

      return {
        orders: n,
        customers: m,
        raw_hash_diff_seconds: rawSeconds,
        order_rules_seconds: firstSeconds,
        order_rules_again_seconds: againSeconds,
        ratio_vs_raw: firstSeconds / rawSeconds,
        again_ratio_vs_raw: againSeconds / rawSeconds,
        order_rules_clickhouse_seconds: clickhouseSeconds(first.ruleCounts),
        clickhouse_ratio_vs_raw: clickhouseSeconds(first.ruleCounts) / rawSeconds,
        order_rules_merge_seconds: mergeSeconds(first.ruleCounts),
        order_rules_again_merge_seconds: mergeSeconds(again.ruleCounts),
        ...Object.fromEntries(
          ORDER_RULES.flatMap((id) => [
            [`${id}_query_seconds`, (outcome(id)?.queryMs ?? Number.NaN) / 1000],
            [`${id}_findings`, outcome(id)?.findings ?? Number.NaN],
          ]),
        ),
        findings: first.findingsTotal,
        precision: totalFound === 0 ? 0 : totalCorrect / totalFound,
        recall: totalExpected === 0 ? 0 : totalCorrect / totalExpected,
        expected_findings_scored: totalExpected,
      };
    } finally {
      await close();
    }
  },
};
