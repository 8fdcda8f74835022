import { crmAccessToken, startEstate, type RunningEstate } from '@driftwatch/demo-estate';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { Client } from 'pg';
import { sql } from '../../../backend/src/clickhouse/sql';
import {
  CONNECTOR_RESOLVER,
  ConfiguredConnectorResolver,
} from '../../../backend/src/modules/snapshots/snapshot-connectors';
import { crmConnectorsFile, type ConnectorsFile } from '../support/estate-connectors-file';
import { snapshotTestEnv, startSnapshotApp, type SnapshotTestEnv } from './support/snapshot-app';
import { waitFor } from './support/wait-for';

interface EventRun {
  id: string;
  status: string;
  entity: string;
  keys: string[] | null;
  mode: string;
}

/**
 * The estate's Salesforce org streams Change Data Capture events over CometD; a scheduler (SNAPSHOT_CHANGE_STREAMS=crm)
 * subscribes with the faye client, and a snapshot worker (another Nest app on the same stores and
 * queue prefix) runs the keyed snapshots each change becomes, against the same org over REST.
 */
describe('change streams: Salesforce CDC → keyed snapshots, resumed from the stored replay id', () => {
  let estate: RunningEstate;
  let connectors: ConnectorsFile;
  let env: SnapshotTestEnv;
  let worker: INestApplication;
  let scheduler: INestApplication | undefined;
  let redis: Redis;
  let pg: Client;
  let token = '';
  let accounts: string[] = [];

  const positionKey = () => `${env.env.QUEUE_PREFIX}:change-stream:crm:position`;

  const startScheduler = () =>
    startSnapshotApp(
      'scheduler',
      { ...env.env, ...connectors.env },
      {
        provide: CONNECTOR_RESOLVER,
        useValue: new ConfiguredConnectorResolver(connectors.path, { ...process.env, ...connectors.env }),
      },
    );

  const crm = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${estate.crm.baseUrl}/services/data/v${estate.crm.apiVersion}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`CRM ${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const setCity = (id: string, city: string) => crm('PATCH', `/sobjects/Account/${id}`, { BillingCity: city });

  const eventRuns = async (): Promise<EventRun[]> =>
    (
      await pg.query<EventRun>(
        `SELECT id, status, entity, keys, mode FROM snapshot_runs WHERE trigger = 'event' ORDER BY queued_at`,
      )
    ).rows;

  /** The complete event-triggered runs of the customer entity for these keys (one each). */
  const customerRunsFor = (keys: string[]) =>
    waitFor(`keyed customer snapshots of ${keys.join(', ')}`, async () => {
      const runs = (await eventRuns()).filter(
        (r) => r.entity === 'customer' && r.status === 'complete' && keys.includes(r.keys?.[0] ?? ''),
      );
      return runs.length >= keys.length ? runs : undefined;
    });

  const cityOf = async (runId: string) =>
    (
      await env.clickhouse.query<{ entity_key: string; billing_address_city: string }>(
        sql`SELECT entity_key, billing_address_city FROM snapshot_customer WHERE snapshot_id = ${runId}`,
        { tag: 'test' },
      )
    ).map((r) => [r.entity_key, r.billing_address_city]);

  beforeAll(async () => {
    estate = await startEstate({
      customers: 30,
      seed: 23,
      systems: ['crm'],
      // Long polls answered within a second, and a client forgotten 3 s after its last one: an outage
      // outlives the subscriber's client, which must then handshake and replay again.
      crmStreaming: { connectTimeoutMs: 1000, clientTimeoutMs: 3000 },
    });
    connectors = crmConnectorsFile(estate, 'dw-change-stream-');
    env = await snapshotTestEnv({
      DRIFTWATCH_CONNECTORS_FILE: connectors.path,
      SNAPSHOT_CHANGE_STREAMS: 'crm',
      // One keyed snapshot per change, so each can be told apart.
      SNAPSHOT_EVENT_WINDOW_MS: '0',
    });
    redis = new Redis(env.env.REDIS_URL);
    pg = new Client({ connectionString: env.env.DATABASE_URL });
    await pg.connect();
    worker = await startSnapshotApp(
      'worker',
      { ...env.env, ...connectors.env },
      {
        provide: CONNECTOR_RESOLVER,
        useValue: new ConfiguredConnectorResolver(connectors.path, { ...process.env, ...connectors.env }),
      },
    );
    token = await crmAccessToken(estate.crm);
    const page = (await (
      await crm('GET', `/query?q=${encodeURIComponent('SELECT Id FROM Account ORDER BY Id')}`)
    ).json()) as {
      records: { Id: string }[];
    };
    accounts = page.records.map((r) => r.Id);
    expect(accounts.length).toBeGreaterThanOrEqual(8);
  }, 60_000);

  afterAll(async () => {
    await scheduler?.close();
    await worker?.close();
    redis?.disconnect();
    await pg?.end();
    await estate?.stop();
    await env?.cleanup();
    connectors?.remove();
  });

  it('a change in the CRM becomes a keyed snapshot of that Account, and the stream position moves past it', async () => {
    scheduler = await startScheduler();
    // Subscribed from now (no stored position): wait for the subscription before changing anything.
    await waitFor('the subscription', async () => ((await subscribers()) > 0 ? true : undefined));
    await setCity(accounts[0], 'Streamville');
    const [run] = await customerRunsFor([accounts[0]]);
    expect(run).toMatchObject({ mode: 'incremental', keys: [accounts[0]] });
    expect(await cityOf(run.id)).toEqual([[accounts[0], 'Streamville']]);
    // The Account is also the CRM's credit profile: snapshotted by the same change.
    await waitFor('the keyed credit profile snapshot', async () =>
      (await eventRuns()).some((r) => r.entity === 'credit_profile' && r.status === 'complete') ? true : undefined,
    );
    const position = await waitFor('the stored position', async () => (await redis.get(positionKey())) ?? undefined);
    expect(Number(position)).toBeGreaterThan(0);
  });

  it('changes made while no scheduler listens are taken on the next start, from the stored position', async () => {
    await scheduler?.close();
    scheduler = undefined;
    await setCity(accounts[1], 'Missed One');
    await setCity(accounts[2], 'Missed Two');
    scheduler = await startScheduler();
    const runs = await customerRunsFor([accounts[1], accounts[2]]);
    const cities = (await Promise.all(runs.map((r) => cityOf(r.id)))).flat();
    expect(cities).toEqual(
      expect.arrayContaining([
        [accounts[1], 'Missed One'],
        [accounts[2], 'Missed Two'],
      ]),
    );
  });

  it('two schedulers subscribed at once take each change once', async () => {
    const second = await startScheduler();
    try {
      await waitFor('both subscriptions', async () => ((await subscribers()) >= 2 ? true : undefined));
      const before = (await eventRuns()).length;
      await setCity(accounts[3], 'Only Once');
      await customerRunsFor([accounts[3]]);
      // Both received it; one claimed it: a customer and a credit profile snapshot, no more.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const added = (await eventRuns()).slice(before);
      expect(added.map((r) => r.entity).sort()).toEqual(['credit_profile', 'customer']);
    } finally {
      await second.close();
    }
  });

  it('a stored position past the retention is dropped: incremental snapshots catch up, then new changes stream', async () => {
    await scheduler?.close();
    scheduler = undefined;
    await setCity(accounts[4], 'While Away');
    // The org no longer has the events after the stored position (Salesforce keeps 72 hours).
    const expired = await fetch(`${estate.crm.baseUrl}/__admin/change-events/expire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(expired.status).toBe(200);
    const before = (await eventRuns()).length;
    scheduler = await startScheduler();
    // One unkeyed incremental snapshot per entity the connector reads, from its watermark.
    const catchUps = await waitFor('the catch-up snapshots', async () => {
      const runs = (await eventRuns()).slice(before).filter((r) => r.keys === null);
      return runs.length === 5 && runs.every((r) => r.status === 'complete') ? runs : undefined;
    });
    expect(catchUps.map((r) => r.entity).sort()).toEqual([
      'contact',
      'credit_profile',
      'customer',
      'order',
      'shipment',
    ]);
    expect(catchUps.every((r) => r.mode === 'incremental')).toBe(true);
    const customerRun = catchUps.find((r) => r.entity === 'customer')!;
    expect(await cityOf(customerRun.id)).toContainEqual([accounts[4], 'While Away']);
    await waitFor('the subscription from new changes', async () => ((await subscribers()) > 0 ? true : undefined));
    await setCity(accounts[5], 'After Catch-up');
    const [run] = await customerRunsFor([accounts[5]]);
    expect(await cityOf(run.id)).toEqual([[accounts[5], 'After Catch-up']]);
  });

  it('an outage of the streaming endpoint: the stream handshakes again and replays the change made during it', async () => {
    const faults = (body: Record<string, unknown>) =>
      fetch(`${estate.crm.baseUrl}/__admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const outages = async () =>
      ((await (await fetch(`${estate.crm.baseUrl}/__admin/stats`)).json()) as { faultsInjected: { outage: number } })
        .faultsInjected.outage;
    const injected = await outages();
    expect((await faults({ outageRate: 1, outageStatus: 503 })).status).toBe(200);
    try {
      await waitFor('the subscriber to meet the outage', async () => ((await outages()) > injected ? true : undefined));
      // The estate's admin API is never faulted: the record changes while the org answers 503.
      const changed = await fetch(`${estate.crm.baseUrl}/__admin/mutate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ entity: 'Account', key: accounts[6], fields: { BillingCity: 'During Outage' } }),
      });
      expect(changed.status).toBe(200);
      // Past the client's expiry: the org has forgotten the subscriber's client by the time it is back.
      await new Promise((resolve) => setTimeout(resolve, 3500));
    } finally {
      await faults({});
    }
    const [run] = await customerRunsFor([accounts[6]]);
    expect(await cityOf(run.id)).toEqual([[accounts[6], 'During Outage']]);
  });

  it('an expired session: the stream signs in again and takes the change', async () => {
    expect((await fetch(`${estate.crm.baseUrl}/__admin/expire-tokens`, { method: 'POST' })).status).toBe(200);
    const changed = await fetch(`${estate.crm.baseUrl}/__admin/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entity: 'Account', key: accounts[7], fields: { BillingCity: 'New Session' } }),
    });
    expect(changed.status).toBe(200);
    const [run] = await customerRunsFor([accounts[7]]);
    expect(await cityOf(run.id)).toEqual([[accounts[7], 'New Session']]);
  });

  it('a deleted Account: its keyed snapshot gets nothing and the record leaves the current state at once', async () => {
    const live = async () =>
      (
        await env.clickhouse.query<{ entity: string; deleted: number }>(
          sql`SELECT 'customer' AS entity, deleted FROM current_customer FINAL WHERE entity_key = ${accounts[7]}
            UNION ALL
            SELECT 'credit_profile' AS entity, deleted FROM current_credit_profile FINAL WHERE entity_key = ${accounts[7]}`,
          { tag: 'test' },
        )
      )
        .map((r) => `${r.entity} ${r.deleted === 0 ? 'live' : 'deleted'}`)
        .sort();
    expect(await live()).toEqual(['credit_profile live', 'customer live']);
    const before = (await eventRuns()).length;
    token = await crmAccessToken(estate.crm);
    await crm('DELETE', `/sobjects/Account/${accounts[7]}`);
    const runs = await waitFor('the keyed snapshots of the deletion', async () => {
      const added = (await eventRuns()).slice(before).filter((r) => r.status === 'complete');
      return added.length >= 2 ? added : undefined;
    });
    expect(runs.map((r) => [r.entity, r.keys])).toEqual(
      expect.arrayContaining([
        ['customer', [accounts[7]]],
        ['credit_profile', [accounts[7]]],
      ]),
    );
    const counted = await pg.query<{ entity: string; rows_written: string; deleted_keys: string }>(
      `SELECT entity, rows_written, deleted_keys FROM snapshot_runs WHERE id = ANY($1) ORDER BY entity`,
      [runs.map((r) => r.id)],
    );
    expect(counted.rows).toEqual([
      { entity: 'credit_profile', rows_written: '0', deleted_keys: '1' },
      { entity: 'customer', rows_written: '0', deleted_keys: '1' },
    ]);
    expect(await live()).toEqual(['credit_profile deleted', 'customer deleted']);
  });

  async function subscribers(): Promise<number> {
    const stats = (await (await fetch(`${estate.crm.baseUrl}/__admin/change-events`)).json()) as {
      clients?: number;
    };
    return stats.clients ?? 0;
  }
});
