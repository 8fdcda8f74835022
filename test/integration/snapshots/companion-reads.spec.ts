import type { RunningEstate } from '@driftwatch/demo-estate';
import { getQueueToken } from '@nestjs/bull';
import type { INestApplication } from '@nestjs/common';
import { DEFAULT_OWNERSHIP_FILE, DEFAULT_RULES_DIR } from '@driftwatch/reconciliation-rules';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { raw, sql } from '../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../backend/src/config/config.service';
import type { ReconciliationService } from '../../../backend/src/modules/reconciliation/reconciliation.service';
import type { CompanionRead } from '../../../backend/src/modules/snapshots/snapshot-companions.service';
import {
  CONNECTOR_RESOLVER,
  StaticConnectorResolver,
} from '../../../backend/src/modules/snapshots/snapshot-connectors';
import { SnapshotRunnerService } from '../../../backend/src/modules/snapshots/snapshot-runner.service';
import { SnapshotsService } from '../../../backend/src/modules/snapshots/snapshots.service';
import { QUEUE } from '../../../backend/src/queues/queue-names';
import { mutate, queueFaults, startSmallEstate } from '../connectors/support/estate-harness';
import { crmConnector, erpConnector } from '../fixups/support/fixups-harness';
import { reconciliationServicesOver } from '../support/reconciliation-services';
import { snapshotTestEnv, startSnapshotApp, type SnapshotTestEnv } from './support/snapshot-app';

const CITY_RULE = 'customer.billing-address-match';

interface Customer {
  number: string;
  crmKey: string;
  erpKey: string;
}

/**
 * The ERP owns billing addresses, and the integration copies an ERP move into the CRM. A CRM change
 * event (webhook or change stream) for that copy arrives within seconds, long before the ERP's next
 * snapshot: compared with the ERP's last snapshot, the CRM would differ from the owner's old value.
 * Companion reads: the event's keyed snapshot is followed by a keyed read of the same records in the
 * other systems, so the targeted run compares current values on both sides.
 */
describe('companion reads: an event snapshot reads the same records from the other systems (estate over HTTP)', () => {
  let estate: RunningEstate;
  let env: SnapshotTestEnv;
  let worker: INestApplication;
  let reconciliation: ReconciliationService;
  let customers: Customer[] = [];

  const moveInBoth = async (c: Customer, city: string) => {
    const row = [...estate.stores.erp.table('CustomersV3').rowsInOrder()].find(
      (r) => String(r.record.CustomerAccount) === c.erpKey,
    );
    if (!row) throw new Error(`the ERP has no customer ${c.erpKey}`);
    estate.stores.erp.put('CustomersV3', { ...row.record, AddressCity: city }, Date.now());
    await mutate(estate, 'crm', 'Account', c.crmKey, { BillingCity: city });
  };

  const openCityFindings = async () =>
    (
      await worker
        .get(DataSource)
        .query<{ match_key: string; expected_value: string; actual_value: string }[]>(
          `SELECT match_key, expected_value, actual_value FROM findings WHERE rule_id = $1 AND field = 'billing_address_city' AND status IN ('new', 'open', 'reopened') ORDER BY match_key`,
          [CITY_RULE],
        )
    ).map((f) => [f.match_key, f.expected_value, f.actual_value]);

  /** A CRM change event for `c`, through the queue as a webhook's: the worker's keyed snapshot and its companions. */
  const crmEvent = async (c: Customer) => {
    const { jobId, runId } = await worker.get(SnapshotsService).snapshotKeys('crm', 'customer', [c.crmKey]);
    const job = await worker.get<Queue>(getQueueToken(QUEUE.snapshot), { strict: false }).getJob(jobId);
    const result = (await job!.finished()) as { runId: string; status: string; companions?: CompanionRead[] };
    expect(result).toMatchObject({ runId, status: 'complete' });
    return result;
  };

  const erpCityInState = async (erpKey: string) =>
    (
      await env.clickhouse.query<{ city: string }>(
        sql`SELECT argMax(billing_address_city, version) AS city FROM current_customer
          WHERE system = 'erp' AND entity_key = ${erpKey}`,
        { tag: 'test' },
      )
    )[0]?.city;

  beforeAll(async () => {
    estate = await startSmallEstate(30);
    env = await snapshotTestEnv({
      SNAPSHOT_EVENT_WINDOW_MS: '0',
      RECONCILIATION_RULES_DIR: DEFAULT_RULES_DIR,
      RECONCILIATION_OWNERSHIP_FILE: DEFAULT_OWNERSHIP_FILE,
    });
    worker = await startSnapshotApp('worker', env.env, {
      provide: CONNECTOR_RESOLVER,
      useValue: new StaticConnectorResolver([crmConnector(estate), erpConnector(estate)]),
    });
    const runner = worker.get(SnapshotRunnerService);
    for (const connectorId of ['crm', 'erp']) {
      const run = await runner.execute({ connectorId, entity: 'customer', mode: 'full', trigger: 'cli' });
      expect(run.status).toBe('complete');
    }
    const rows = await env.clickhouse.query<{ number: string; crm: string; erp: string }>(
      sql`SELECT customer_number AS number,
          anyIf(entity_key, system = 'crm') AS crm, anyIf(entity_key, system = 'erp') AS erp
        FROM current_customer WHERE customer_number != '' GROUP BY customer_number
        HAVING countIf(system = 'crm') = 1 AND countIf(system = 'erp') = 1 ORDER BY customer_number LIMIT 4`,
      { tag: 'test' },
    );
    customers = rows.map((r) => ({ number: r.number, crmKey: r.crm, erpKey: r.erp }));
    expect(customers).toHaveLength(4);
    const config = new ConfigService({ ...process.env, ...env.env });
    reconciliation = reconciliationServicesOver(config, env.clickhouse, worker.get(DataSource)).service;
    expect((await reconciliation.run({ trigger: 'api' })).status).toBe('complete');
    expect(await openCityFindings()).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await env?.cleanup();
    await estate?.stop();
  });

  it("without them (the CRM's keyed snapshot alone) the targeted run takes the ERP's stale city as expected", async () => {
    const [c] = customers;
    const before = await erpCityInState(c.erpKey);
    await moveInBoth(c, 'Moved Without');
    const run = await worker.get(SnapshotRunnerService).execute({
      connectorId: 'crm',
      entity: 'customer',
      mode: 'incremental',
      trigger: 'event',
      keys: [c.crmKey],
    });
    await reconciliation.run({ trigger: 'event', target: { entity: 'customer', snapshotRunId: run.id } });
    expect(await openCityFindings()).toEqual([[c.number, before, 'Moved Without']]);
  });

  it("with them, the ERP's record is read again first and the targeted run finds nothing to fix", async () => {
    const c = customers[1];
    await moveInBoth(c, 'Moved With');
    const result = await crmEvent(c);
    expect(result.companions).toEqual([{ connectorId: 'erp', keys: 1, runId: expect.any(String), status: 'complete' }]);
    const [erpRun] = await worker
      .get(DataSource)
      .query<{ trigger: string; mode: string; keys: string[]; status: string }[]>(
        `SELECT trigger, mode, keys, status FROM snapshot_runs WHERE id = $1`,
        [result.companions![0].runId],
      );
    expect(erpRun).toEqual({ trigger: 'event', mode: 'incremental', keys: [c.erpKey], status: 'complete' });
    expect(await erpCityInState(c.erpKey)).toBe('Moved With');

    const run = await reconciliation.run({
      trigger: 'event',
      target: { entity: 'customer', snapshotRunId: result.runId },
    });
    expect(run.status).toBe('complete');
    // Only the first test's customer, whose event had no companion read.
    expect((await openCityFindings()).map(([key]) => key)).toEqual([customers[0].number]);
  });

  it('a companion that cannot be read leaves the event snapshot standing and says why', async () => {
    const c = customers[2];
    await moveInBoth(c, 'Moved Unread');
    // As many outages as the connector's attempts (fixups-harness FAST: 2), none left for later cases.
    await queueFaults(estate, 'erp', ['outage', 'outage']);
    const result = await crmEvent(c);
    expect(result.companions).toEqual([
      { connectorId: 'erp', keys: 1, runId: null, status: 'failed', reason: expect.stringMatching(/503/) },
    ]);
    const [failed] = await worker
      .get(DataSource)
      .query<{ status: string; keys: string[] }[]>(
        `SELECT status, keys FROM snapshot_runs WHERE connector_id = 'erp' AND trigger = 'event' ORDER BY queued_at DESC LIMIT 1`,
      );
    expect(failed).toEqual({ status: 'failed', keys: [c.erpKey] });
    expect(await erpCityInState(c.erpKey)).not.toBe('Moved Unread');
  });

  it('no companion read where no other system holds the record', async () => {
    const c = customers[3];
    await mutate(estate, 'crm', 'Account', c.crmKey, { ERP_Customer_Number__c: 'CRM-ONLY-1' });
    const result = await crmEvent(c);
    expect(result.companions).toEqual([]);
  });

  it('reads the record a confirmed crosswalk link ties to the changed one, whatever its match key', async () => {
    // The previous case left this account with a number no ERP customer has; a steward links the two.
    const c = customers[3];
    const link = (system: string, key: string) => ({
      entity: 'customer',
      system,
      entity_key: key,
      global_id: 'gid-companion-1',
      link_id: 'link-companion-1',
      linked_at: Math.floor(Date.now() / 1000),
      version: 1,
      deleted: 0,
    });
    await env.clickhouse.insert(raw('crosswalk'), [link('crm', c.crmKey), link('erp', c.erpKey)], { tag: 'test' });
    const result = await crmEvent(c);
    expect(result.companions).toEqual([{ connectorId: 'erp', keys: 1, runId: expect.any(String), status: 'complete' }]);
  });
});
