import { parseScenario, type GroundTruthEntry, type RunningEstate } from '@driftwatch/demo-estate';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DEFAULT_RULES_DIR } from '@driftwatch/reconciliation-rules';
import { list, sql } from '../../../backend/src/clickhouse/sql';
import { Secret } from '../../../backend/src/connectors/config/secret';
import { WmsConnector } from '../../../backend/src/connectors/wms/wms.connector';
import type { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import { SlaRepository } from '../../../backend/src/modules/sla/sla.repository';
import { SlaService } from '../../../backend/src/modules/sla/sla.service';
import { FixupPlannerService } from '../../../backend/src/modules/fixups/fixup-planner.service';
import { crmConnector, waitFor, writesByKey } from '../fixups/support/fixups-harness';
import { startClosedLoop, type ClosedLoop } from '../support/closed-loop';

/**
 * Shipment milestones the estate's WMS → CRM integration delivered late or never, and customers the
 * CRM lacks (so their shipments too). Those rates also drift other customers in other ways, which
 * these two rules do not look at; customers without other drift get the shipment drift.
 */
const SCENARIO = parseScenario({
  name: 'shipment-propagation',
  seed: 13,
  rates: { late_propagation: 0.24, not_propagated: 0.24, missing: 0.04 },
});
const CUSTOMERS = 4000;
const MATCH = 'order.shipment-milestone-match';
const SLA = 'order.shipment-milestone-sla';
const ROUTE_LIMIT_SECONDS = 30 * 60;
const LOOKBACK_MS = 7 * 86_400_000;
const HOUR = 3_600_000;
/** CRM shipments, without other drift, whose milestone date a person cleared (the CRM holds no time). */
const CLEARED_DATES = 5;
/** What a finding shows for a DateTime 0, a snapshot's "no date" (ClickHouse 18.16; later servers). */
const NO_DATE = ['0000-00-00 00:00:00', '1970-01-01 00:00:00'];
/** A time as a datetime finding holds it: ClickHouse `toString(x, 'UTC')`, whole seconds. */
const findingTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

interface FindingRow {
  rule_id: string;
  match_key: string;
  field: string;
  kind: string;
  owner_system: string;
  actual_system: string;
  expected_value: string;
  actual_value: string;
  details: { delivered?: boolean; latency_seconds?: number; actual_key?: string };
}

/**
 * The default pack's two shipment rules on real parts: the demo estate's WMS and CRM over HTTP →
 * full snapshots through the WMS and Salesforce connectors into ClickHouse → a reconciliation run of
 * the shipped rules → the findings are the ground truth's shipment drift, no more and no less, and
 * the route's SLA report counts every other milestone as delivered within minutes.
 */
describe('WMS → CRM shipment rules on a snapshot of the drifting estate', () => {
  let loop: ClosedLoop;
  let estate: RunningEstate;
  let reconciliation: ReconciliationService;
  let sla: SlaService;
  let worker: INestApplication;
  let dataSource: DataSource;
  let truth: GroundTruthEntry[];
  let firstRunId: string;
  /** Order number → Shipment__c Id of the CRM shipments whose Milestone_Date__c was cleared. */
  const cleared = new Map<string, string>();

  /** The WMS (system of record) as it is: each order's shipment, its milestone and time (whole seconds). */
  const wmsShipments = () =>
    new Map(
      [...estate.stores.wms.shipments.rowsInOrder()].map((r) => {
        const s = r.record;
        const at = Math.floor(Date.parse(s.milestones[s.milestones.length - 1].at) / 1000) * 1000;
        return [s.order_number, { status: s.status, at, milestones: s.milestones }] as const;
      }),
    );

  const snapshotShipments = async (connectorIds: string[]) => {
    for (const run of await loop.snapshot('shipment', connectorIds)) expect(run.rejects).toBe(0);
  };
  const findingsOf = (): Promise<(FindingRow & { id: string; status: string })[]> =>
    dataSource.query(
      `SELECT id, rule_id, match_key, field, kind, owner_system, actual_system, expected_value, actual_value,
         details, status
       FROM findings ORDER BY rule_id, match_key, field`,
    );

  beforeAll(async () => {
    // History ends two hours ago: every milestone lost is older than the route's 30 minutes.
    const epoch = Math.floor((Date.now() - 2 * HOUR) / 1000) * 1000;
    loop = await startClosedLoop({
      estate: { customers: CUSTOMERS, seed: 17, epoch, systems: ['crm', 'wms'], scenario: SCENARIO },
      connectors: (e) => [
        crmConnector(e),
        new WmsConnector({
          id: 'wms',
          kind: 'wms',
          baseUrl: e.wms.baseUrl,
          auth: { type: 'api-key', header: 'x-api-key', key: new Secret(e.wms.apiKey, 'test') },
          pageSize: 1000,
          timeoutMs: 10_000,
          retry: { baseDelayMs: 20, maxDelayMs: 200 },
          settings: {},
        }),
      ],
      rulesDir: DEFAULT_RULES_DIR,
    });
    ({ estate, worker, reconciliation, dataSource } = loop);
    truth = estate.groundTruth().filter((e) => e.entity === 'shipment' && e.system === 'crm');
    // Cleared in the store under the record's old stamp: settled for the match rule, no new milestone.
    const drifted = new Set(truth.map((e) => e.sourceKey));
    const crm = estate.stores.crm;
    const picked = [...crm.shipments.rowsInOrder()]
      .filter((r) => !drifted.has(r.record.Id as string) && r.record.Milestone_Date__c)
      .slice(0, CLEARED_DATES);
    for (const row of picked) {
      const opportunity = crm.opportunities.get(row.record.Opportunity__c as string)!.record;
      cleared.set(opportunity.ERP_Order_Number__c as string, row.record.Id as string);
      crm.put('Shipment__c', { ...row.record, Milestone_Date__c: null }, row.modifiedAt);
    }
    expect(cleared.size).toBe(CLEARED_DATES);
    sla = new SlaService(loop.catalog, new SlaRepository(loop.env.clickhouse, dataSource));
  }, 120_000);

  afterAll(async () => {
    await loop?.stop();
  });

  it('finds exactly the injected late, lost and missing milestones and cleared dates, and times the rest in minutes', async () => {
    await snapshotShipments(['wms', 'crm']);
    const startedAt = Date.now();
    const run = await reconciliation.run({ trigger: 'api', ruleIds: [MATCH, SLA] });
    const endedAt = Date.now();
    expect(run.status).toBe('complete');
    firstRunId = run.runId;
    const findings = await findingsOf();

    const wms = wmsShipments();
    const byKind = (kind: string) => truth.filter((e) => e.kind === kind);
    expect(byKind('late_propagation').length).toBeGreaterThan(100);
    expect(byKind('not_propagated').length).toBeGreaterThan(100);
    expect(byKind('missing').length).toBeGreaterThan(20);

    // The match rule: a lost milestone leaves the CRM on the one before, and on its time when that
    // is more than the rule's minute away. Late ones arrived intact; missing ones have no CRM side.
    const expectedMismatches: string[] = [];
    for (const e of byKind('not_propagated')) {
      const { status, milestones } = wms.get(e.key)!;
      const previous = milestones[milestones.length - 2];
      expectedMismatches.push(`${e.key}/milestone/${status}/${String(e.actual).toLowerCase()}`);
      const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
      if (Math.abs(seconds(milestones[milestones.length - 1].at) - seconds(previous.at)) > 60)
        expectedMismatches.push(`${e.key}/milestone_at`);
    }
    for (const key of cleared.keys()) expectedMismatches.push(`${key}/milestone_at`);
    const mismatches = findings
      .filter((f) => f.rule_id === MATCH)
      .map((f) => {
        expect([f.match_key, f.kind, f.owner_system, f.actual_system]).toEqual([f.match_key, 'mismatch', 'wms', 'crm']);
        return f.field === 'milestone'
          ? `${f.match_key}/milestone/${f.expected_value}/${f.actual_value}`
          : `${f.match_key}/${f.field}`;
      });
    expect(mismatches.sort()).toEqual(expectedMismatches.sort());
    // A datetime finding's values as the fix-up planner reads them: UTC whole seconds, a zero time for none.
    for (const [key, id] of cleared) {
      const f = findings.find((x) => x.rule_id === MATCH && x.match_key === key)!;
      expect([f.field, f.expected_value, f.details.actual_key]).toEqual([
        'milestone_at',
        findingTime(wms.get(key)!.at),
        id,
      ]);
      expect(NO_DATE).toContain(f.actual_value);
    }

    // The SLA rule over the 7 days before "now": late deliveries by their delay, lost and missing
    // milestones undelivered (all older than the route's 30 minutes).
    const breachesAsOf = (asOf: number) => {
      const since = Math.floor(asOf / 1000) * 1000 - LOOKBACK_MS;
      const expected = new Map<string, { delivered: boolean; latency?: number }>();
      for (const e of truth)
        if (wms.get(e.key)!.at >= since)
          expected.set(
            e.key,
            e.kind === 'late_propagation' ? { delivered: true, latency: e.delaySeconds } : { delivered: false },
          );
      return expected;
    };
    // The run's "now" lies between these two: a milestone at the start of its window may fall either side.
    const edge = (key: string) => breachesAsOf(startedAt).has(key) !== breachesAsOf(endedAt).has(key);
    const expectedBreaches = breachesAsOf(endedAt);
    expect(expectedBreaches.size).toBeGreaterThan(20);
    const breaches = new Map(
      findings
        .filter((f) => f.rule_id === SLA)
        .map((f) => {
          expect([f.match_key, f.kind, f.owner_system, f.actual_system]).toEqual([
            f.match_key,
            'sla_breach',
            'wms',
            'crm',
          ]);
          const { delivered, latency_seconds: latency } = f.details;
          return [f.match_key, delivered ? { delivered, latency } : { delivered: false }] as const;
        }),
    );
    const settled = (m: Map<string, unknown>) => Object.fromEntries([...m].filter(([key]) => !edge(key)));
    expect(settled(breaches)).toEqual(settled(expectedBreaches));

    // The route as the SLA page shows it: everything else reached the CRM within the integration's minutes.
    const to = new Date();
    const report = await sla.report({ from: new Date(to.getTime() - LOOKBACK_MS), to });
    const route = report.routes.find((r) => r.ruleId === SLA)!;
    const since = Math.floor(to.getTime() / 1000) * 1000 - LOOKBACK_MS;
    const events = [...wms.values()].filter(({ at }) => at >= since).length;
    const breachesNow = [...breachesAsOf(to.getTime()).values()];
    const lost = breachesNow.filter((b) => !b.delivered).length;
    expect(route).toMatchObject({
      route: 'wms_to_crm_shipment_milestone',
      events,
      delivered: events - lost,
      breaches: breachesNow.length,
      pending: 0,
    });
    expect(events).toBeGreaterThan(200);
    // Reported to two decimals.
    expect(route.adherencePercent).toBeCloseTo((100 * (events - breachesNow.length)) / events, 1);
    expect(route.p50Seconds).toBeLessThanOrEqual(480);
    expect(route.maxSeconds).toBe(Math.max(...breachesNow.map((b) => b.latency ?? 0)));
    expect(route.maxSeconds).toBeGreaterThan(ROUTE_LIMIT_SECONDS);
  }, 180_000);

  it('writes the WMS milestone and its time into each lagging CRM shipment; the next run resolves those findings', async () => {
    const before = await findingsOf();
    const match = before.filter((f) => f.rule_id === MATCH);
    const milestones = match.filter((f) => f.field === 'milestone');
    const times = match.filter((f) => f.field === 'milestone_at');
    expect(milestones.length).toBeGreaterThan(100);
    expect(times.length).toBeGreaterThan(50);
    // Auto policy, the WMS owns the fields: every milestone and time mismatch is a write to the CRM's
    // Shipment__c, a time conditional on the one the finding saw (none, for the cleared dates).
    const plan = await worker.get(FixupPlannerService).planRun(firstRunId);
    expect(plan).toMatchObject({ created: match.length, needsReview: 0 });
    const tasks = await waitFor(
      (): Promise<{ finding_id: string; target_system: string; source_key: string; state: string }[]> =>
        dataSource.query(`SELECT finding_id, target_system, source_key, state FROM fix_tasks`),
      (ts) => ts.every((t) => t.state === 'done'),
      60_000,
      'every shipment fix-up to be done',
    );
    expect(tasks.map((t) => t.finding_id).sort()).toEqual(match.map((f) => f.id).sort());
    expect(tasks.every((t) => t.target_system === 'crm')).toBe(true);
    // Each shipment written through Salesforce; its milestone and time in one PATCH or one each.
    const tasksPerRecord: Record<string, number> = {};
    for (const t of tasks)
      tasksPerRecord[`Shipment__c/${t.source_key}`] = (tasksPerRecord[`Shipment__c/${t.source_key}`] ?? 0) + 1;
    const writes = await writesByKey(estate.crm.baseUrl);
    expect(Object.keys(writes).sort()).toEqual(Object.keys(tasksPerRecord).sort());
    for (const [key, n] of Object.entries(writes))
      expect([key, n >= 1 && n <= tasksPerRecord[key]]).toEqual([key, true]);
    const wms = wmsShipments();
    for (const t of tasks) {
      const finding = match.find((f) => f.id === t.finding_id)!;
      const record = estate.stores.crm.shipments.get(t.source_key)!.record;
      if (finding.field === 'milestone') {
        expect(record.Milestone__c?.toString().toLowerCase()).toBe(finding.expected_value);
      } else {
        // The WMS time to the second, sent as an ISO-8601 instant.
        expect([finding.match_key, record.Milestone_Date__c]).toEqual([
          finding.match_key,
          new Date(wms.get(finding.match_key)!.at).toISOString(),
        ]);
      }
    }
    expect(times.filter((f) => cleared.has(f.match_key))).toHaveLength(CLEARED_DATES);

    await snapshotShipments(['crm']);
    // The written records changed minutes ago, so the next run does not compare them yet (the rule's
    // settle): the CRM snapshot itself shows each fixed time read back through the connector.
    const fixedTimes = new Map(times.map((f) => [f.match_key, wms.get(f.match_key)!.at / 1000]));
    const snapshotted = await loop.env.clickhouse.query<{ order_number: string; at: number | string }>(
      sql`SELECT order_number, toUInt32(milestone_at) AS at FROM current_shipment FINAL
        WHERE system = 'crm' AND deleted = 0 AND order_number IN ${list([...fixedTimes.keys()])}`,
      { tag: 'test' },
    );
    expect(new Map(snapshotted.map((r) => [r.order_number, Number(r.at)]))).toEqual(fixedTimes);
    const second = await reconciliation.run({ trigger: 'api', ruleIds: [MATCH, SLA] });
    expect(second.status).toBe('complete');
    const after = new Map((await findingsOf()).map((f) => [f.id, f]));
    for (const f of match)
      expect([f.match_key, f.field, after.get(f.id)?.status]).toEqual([f.match_key, f.field, 'resolved']);
    // Nothing of the match rule is left, and the milestones reached the CRM late: by the fix.
    const open = [...after.values()].filter((f) => f.status !== 'resolved');
    expect(open.filter((f) => f.rule_id === MATCH)).toEqual([]);
    const fixedKeys = new Set(milestones.map((f) => f.match_key));
    const lateNow = open.filter((f) => f.rule_id === SLA && fixedKeys.has(f.match_key));
    expect(lateNow.length).toBeGreaterThan(0);
    for (const f of lateNow) expect([f.match_key, f.details.delivered]).toEqual([f.match_key, true]);
  }, 180_000);
});
