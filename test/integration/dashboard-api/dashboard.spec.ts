import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../../backend/src/clickhouse/clickhouse.service';
import { raw } from '../../../backend/src/clickhouse/sql';
import type { FindingObservation } from '../../../backend/src/modules/findings/finding';
import { FindingsMergeRepository } from '../../../backend/src/modules/findings/findings-merge.repository';
import { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { DashboardRepository } from '../../../backend/src/modules/dashboard/dashboard.repository';
import type { Overview, Trends } from '../../../backend/src/modules/dashboard/dashboard.service';
import type { SlaReport } from '../../../backend/src/modules/sla/sla.service';
import { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { customers, ReconciliationFixture } from '../reconciliation/support/reconciliation-fixture';
import { ownRedisUrl } from '../support/test-services';

const RULES_DIR = join(__dirname, 'rules');
const DAY = 86_400_000;
const HISTORY_RULE = 'customer.test-history';
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** A finding of a rule that is not in the pack (so runs never resolve it), seen by the real repository. */
const historyFinding = (i: number): FindingObservation => ({
  ruleId: HISTORY_RULE,
  ruleVersion: 1,
  entity: 'customer',
  matchKey: `H${i}`,
  field: 'phone',
  kind: 'mismatch',
  ownerSystem: 'crm',
  expectedValue: '1',
  actualSystem: 'wms',
  actualValue: '2',
  details: '{}',
  score: 1,
  severity: 'low',
  domain: 'customer',
});

describe('dashboard overview, trends and SLA over HTTP (real app, reconciliation run, Postgres, ClickHouse)', () => {
  let t: ApiTestApp;
  let viewer: string;
  const now = Date.now();
  const threeDaysAgo = new Date(now - 3 * DAY);
  const oneDayAgo = new Date(now - DAY);

  beforeAll(async () => {
    t = await startApiApp({
      RECONCILIATION_RULES_DIR: RULES_DIR,
      REDIS_URL: ownRedisUrl(),
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    viewer = (await t.key(['viewer'])).key;
    const findings = t.app.get(FindingsMergeRepository);
    const fx = ReconciliationFixture.over({
      clickhouse: t.app.get(ClickHouseService),
      dataSource: t.app.get(DataSource),
      service: t.app.get(ReconciliationService),
      findings: t.app.get(FindingsRepository),
    });
    // A real run: 7 legal names differ in the CRM (medium), 10 ERP customers are missing there (high).
    const erp = customers(200);
    await fx.completeSnapshot('erp', erp);
    await fx.completeSnapshot(
      'crm',
      erp.slice(0, 190).map((c, i) => (i < 7 ? { ...c, legal_name: `${c.legal_name} Ltd` } : c)),
    );
    const run = await t.app.get(ReconciliationService).run({ trigger: 'api' });
    expect(run.status).toBe('complete');

    // History through the real repository: 5 low findings opened three days ago, 2 of them resolved a day ago.
    await findings.upsertBatch(randomUUID(), threeDaysAgo, [1, 2, 3, 4, 5].map(historyFinding));
    const later = randomUUID();
    await findings.upsertBatch(later, oneDayAgo, [1, 2, 3].map(historyFinding));
    expect(await findings.resolveUnseen(later, oneDayAgo, { rules: [{ id: HISTORY_RULE, version: 1 }] })).toEqual(
      new Map([[HISTORY_RULE, { resolved: 2, retired: 0 }]]),
    );

    // Order status events for the SLA route (erp → crm within 15 min), in the last hours.
    const at = (minutesAgo: number) => Math.floor((now - minutesAgo * 60_000) / 1000);
    const event = (system: string, key: string, value: string, minutesAgo: number) => ({
      system,
      entity: 'order',
      entity_key: `${system}-${key}`,
      match_key: key,
      field: 'status',
      value,
      occurred_at: at(minutesAgo),
      captured_at: at(minutesAgo),
    });
    const events = [];
    for (let i = 0; i < 6; i += 1) {
      events.push(event('erp', `O${i}`, 'Shipped', 300), event('crm', `O${i}`, 'shipped ', 300 - (i + 1)));
    }
    events.push(event('erp', 'O6', 'Invoiced', 300), event('crm', 'O6', 'invoiced', 260)); // 40 min: late
    events.push(event('erp', 'O7', 'Invoiced', 300), event('crm', 'O7', 'invoiced', 250)); // 50 min: late
    events.push(event('erp', 'O8', 'Cancelled', 120)); // never delivered, overdue: a breach
    events.push(event('erp', 'O9', 'Cancelled', 5)); // never delivered, still within 15 min: pending
    await t.app.get(ClickHouseService).insert(raw('entity_events'), events, { tag: 'test.events' });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string, key = viewer) => request(t.server).get(path).set('X-API-Key', key);

  it('gives open findings by severity, drift per 1,000 records by domain and system, flow and MTTR', async () => {
    const res = await get('/api/v1/dashboard/overview').expect(200);
    const body = res.body as Overview;
    expect(body.openTotal).toBe(20);
    expect(body.openBySeverity).toEqual([
      { severity: 'critical', open: 0 },
      { severity: 'high', open: 10 },
      { severity: 'medium', open: 7 },
      { severity: 'low', open: 3 },
      { severity: 'info', open: 0 },
    ]);
    expect(body.driftRate).toEqual([
      { domain: 'customer', system: 'crm', openFindings: 17, records: 190, perThousand: 89.474 },
      { domain: 'customer', system: 'erp', openFindings: 0, records: 200, perThousand: 0 },
      { domain: 'customer', system: 'wms', openFindings: 3, records: 0, perThousand: null },
    ]);
    expect(body.records).toEqual([
      expect.objectContaining({ system: 'crm', entity: 'customer', records: 190 }),
      expect.objectContaining({ system: 'erp', entity: 'customer', records: 200 }),
    ]);
    // 17 from the run + 5 history findings opened; 2 resolved after two days each.
    expect(body.flow).toEqual({ opened: 22, reopened: 0, resolved: 2 });
    expect(body.meanTimeToResolveSeconds).toBe(2 * 86_400);
    expect(body.autoHeal).toMatchObject({ resolved: 2, healedByFixup: 0 });
    expect(body.autoHeal.ratePercent).toBe(body.autoHeal.fixupsTracked ? 0 : null);
    expect(body.duplicates).toEqual({ openFindings: 0, records: 390, perThousand: 0 });
    expect(body.topRules.map((r) => [r.ruleId, r.open])).toEqual([
      ['customer.test-presence', 10],
      ['customer.test-legal-name', 7],
      [HISTORY_RULE, 3],
    ]);
    expect(body.sla).toEqual([
      expect.objectContaining({ route: 'erp_to_crm_order_status', events: 10, breaches: 3, adherencePercent: 66.67 }),
    ]);
  });

  it('filters the overview by system and range', async () => {
    const crm = (await get('/api/v1/dashboard/overview?system=crm').expect(200)).body as Overview;
    expect(crm.openTotal).toBe(17);
    expect(crm.systems).toEqual(['crm']);
    expect(crm.driftRate).toEqual([
      { domain: 'customer', system: 'crm', openFindings: 17, records: 190, perThousand: 89.474 },
    ]);
    expect(crm.flow).toEqual({ opened: 17, reopened: 0, resolved: 0 });
    // A range that ends before anything happened: no flow, no SLA events; open counts are "now".
    const old = (await get('/api/v1/dashboard/overview?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z').expect(200))
      .body as Overview;
    expect(old.flow).toEqual({ opened: 0, reopened: 0, resolved: 0 });
    expect(old.meanTimeToResolveSeconds).toBeNull();
    expect(old.sla[0]).toMatchObject({ events: 0, adherencePercent: null, p50Seconds: null });
    expect(old.openTotal).toBe(20);
  });

  it('gives daily and weekly series with open at the end of each bucket', async () => {
    const from = new Date(now - 4 * DAY).toISOString();
    const res = await get(`/api/v1/dashboard/trends?groupBy=rule&from=${from}`).expect(200);
    const body = res.body as Trends;
    expect(body.buckets).toHaveLength(5);
    const history = body.series.find((s) => s.key === HISTORY_RULE);
    const point = (day: Date) => history?.points.find((p) => p.bucket === dayOf(day));
    expect(point(new Date(now - 4 * DAY))).toMatchObject({ opened: 0, openAtEnd: 0 });
    expect(point(threeDaysAgo)).toMatchObject({ opened: 5, resolved: 0, openAtEnd: 5 });
    expect(point(oneDayAgo)).toMatchObject({ opened: 0, resolved: 2, openAtEnd: 3 });
    expect(point(new Date(now))).toMatchObject({ openAtEnd: 3 });
    expect(body.total[body.total.length - 1]).toMatchObject({ openAtEnd: 20 });

    const bySeverity = (await get(`/api/v1/dashboard/trends?from=${from}&severity=low,high`).expect(200)).body as {
      series: { key: string }[];
    };
    expect(bySeverity.series.map((s) => s.key)).toEqual(['high', 'low']);

    const weekly = (await get('/api/v1/dashboard/trends?interval=week&groupBy=domain').expect(200)).body as {
      buckets: string[];
      series: { key: string; points: { bucket: string; openAtEnd: number }[] }[];
    };
    for (const bucket of weekly.buckets) expect(new Date(`${bucket}T00:00:00Z`).getUTCDay()).toBe(1);
    const customer = weekly.series.find((s) => s.key === 'customer');
    expect(customer?.points[customer.points.length - 1]?.openAtEnd).toBe(20);
  });

  it('gives SLA adherence and latency per route, and freshness per system', async () => {
    const res = await get('/api/v1/sla').expect(200);
    const body = res.body as SlaReport;
    expect(body.routes).toEqual([
      expect.objectContaining({
        ruleId: 'order.test-status-sla',
        route: 'erp_to_crm_order_status',
        fromSystem: 'erp',
        toSystem: 'crm',
        entity: 'order',
        withinSeconds: 900,
        events: 10,
        delivered: 8,
        breaches: 3,
        pending: 1,
        adherencePercent: 66.67,
        maxSeconds: 3000,
        openBreachFindings: 0,
      }),
    ]);
    // Delivered latencies: 60…360 s (six), 2400 s and 3000 s.
    expect(body.routes[0].p50Seconds).toBeGreaterThanOrEqual(240);
    expect(body.routes[0].p50Seconds).toBeLessThanOrEqual(300);
    expect(body.routes[0].p95Seconds).toBeGreaterThanOrEqual(2400);
    expect(body.freshness.map((f) => [f.system, f.fresh])).toEqual([
      ['erp', true],
      ['crm', true],
    ]);
    const wms = (await get('/api/v1/sla?system=wms').expect(200)).body as { routes: unknown[]; freshness: unknown[] };
    expect(wms).toMatchObject({ routes: [], freshness: [] });
  });

  it('rebuilds the rollups from findings to the same figures the triggers kept', async () => {
    const before = (await get('/api/v1/dashboard/overview').expect(200)).body as Overview;
    const counts = await t.sql('SELECT * FROM findings_open_counts WHERE open <> 0 ORDER BY rule_id, actual_system');
    await t.app.get(DashboardRepository).rebuildRollups();
    const after = (await get('/api/v1/dashboard/overview').expect(200)).body as Overview;
    expect(await t.sql('SELECT * FROM findings_open_counts WHERE open <> 0 ORDER BY rule_id, actual_system')).toEqual(
      counts,
    );
    expect({ ...after, to: before.to, from: before.from }).toEqual(before);
  });

  it('counts suppressed findings as accepted exceptions, outside the open figures, with those ending within a week', async () => {
    const before = (await get('/api/v1/dashboard/overview').expect(200)).body as Overview;
    expect(before.suppressed).toEqual({ findings: 0, endingWithin7Days: 0 });
    // Two of the history rule's open findings (wms) suppressed: one for three days, one for a month.
    const open = await t.sql<{ id: string }>(
      `SELECT id FROM findings WHERE rule_id = $1 AND status IN ('new', 'open', 'reopened') ORDER BY id LIMIT 2`,
      [HISTORY_RULE],
    );
    for (const [{ id }, days] of open.map((row, i) => [row, i === 0 ? 3 : 30] as const)) {
      await t.sql(
        `UPDATE findings SET status = 'suppressed', suppressed_by = 'dana', suppressed_reason = 'kept apart',
           suppressed_at = now(), suppressed_until = now() + $2 * interval '1 day' WHERE id = $1`,
        [id, days],
      );
    }
    const after = (await get('/api/v1/dashboard/overview').expect(200)).body as Overview;
    expect(after.suppressed).toEqual({ findings: 2, endingWithin7Days: 1 });
    expect(after.openTotal).toBe(before.openTotal - 2);
    const crmOnly = (await get('/api/v1/dashboard/overview?system=crm').expect(200)).body as Overview;
    expect(crmOnly.suppressed).toEqual({ findings: 0, endingWithin7Days: 0 });
  });

  it('answers 400 naming the bad parameter, 401 without credentials', async () => {
    const field = async (path: string) => ((await get(path).expect(400)).body as { field: string }).field;
    expect(await field('/api/v1/dashboard/overview?from=yesterday')).toBe('from');
    expect(await field('/api/v1/dashboard/overview?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).toBe('from');
    expect(await field('/api/v1/dashboard/overview?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).toBe('from');
    expect(await field("/api/v1/dashboard/overview?system=crm,'erp")).toBe('system');
    expect(await field('/api/v1/dashboard/overview?orderBy=x')).toBe('orderBy');
    expect(await field('/api/v1/dashboard/overview?top=0')).toBe('top');
    expect(await field('/api/v1/dashboard/trends?groupBy=team')).toBe('groupBy');
    expect(await field('/api/v1/dashboard/trends?interval=month')).toBe('interval');
    expect(await field('/api/v1/dashboard/trends?severity=high,urgent')).toBe('severity');
    expect(await field('/api/v1/sla?to=2026-13-01')).toBe('to');
    await request(t.server).get('/api/v1/dashboard/overview').expect(401);
    await request(t.server).get('/api/v1/sla').expect(401);
  });
});
