import { startEstate } from '@driftwatch/demo-estate';
import { getQueueToken } from '@nestjs/bull';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bull';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { sql } from '../../../backend/src/clickhouse/sql';
import {
  CONNECTOR_RESOLVER,
  ConfiguredConnectorResolver,
} from '../../../backend/src/modules/snapshots/snapshot-connectors';
import { SnapshotEventWindowsRepository } from '../../../backend/src/modules/snapshots/snapshot-event-windows.repository';
import { eventWindowJobId, SnapshotsService } from '../../../backend/src/modules/snapshots/snapshots.service';
import { QUEUE } from '../../../backend/src/queues/queue-names';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';
import { snapshotTestEnv, startSnapshotApp, type SnapshotTestEnv } from './support/snapshot-app';
import { waitFor } from './support/wait-for';

const WEBHOOK_SECRET = 'whsec-driftwatch-events-test';
const MILESTONES = ['picked', 'packed', 'shipped', 'delivered'];
/** SNAPSHOT_EVENT_WINDOW_MS of the API under test (the default). */
const WINDOW_MS = 2000;

interface Delivery {
  body: Buffer;
  headers: IncomingHttpHeaders;
}

/**
 * The estate WMS sends its signed webhooks to the Driftwatch API (real HTTP), which enqueues keyed
 * snapshots that a snapshot worker (another Nest app on the same Postgres, ClickHouse, Redis database
 * and queue prefix) runs against the same WMS.
 */
describe('event-triggered snapshots: WMS webhooks → POST /api/v1/connectors/:id/events → keyed snapshot', () => {
  let estate: Awaited<ReturnType<typeof startEstate>>;
  let env: SnapshotTestEnv;
  let api: ApiTestApp;
  let worker: INestApplication;
  let tap: Server;
  let dir: string;
  /** What a second subscription (this test's tap) received: the same events, byte for byte as sent. */
  const tapped: Delivery[] = [];
  let eventsUrl: string;

  const wms = (path: string, init: RequestInit = {}) =>
    fetch(`${estate.wms.baseUrl}${path}`, {
      ...init,
      headers: { 'x-api-key': estate.wms.apiKey, 'content-type': 'application/json', ...init.headers },
    });

  const post = (url: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      headers: { 'content-type': 'application/json', ...headers },
    });

  const headersOf = (d: Delivery): Record<string, string> => ({
    'x-wms-event-id': String(d.headers['x-wms-event-id']),
    'x-wms-timestamp': String(d.headers['x-wms-timestamp']),
    'x-wms-signature': String(d.headers['x-wms-signature']),
  });

  const eventRuns = () =>
    api.sql<{ id: string; status: string; keys: string[]; mode: string; rows_written: string; job_id: string }>(
      `SELECT id, status, keys, mode, rows_written, job_id FROM snapshot_runs WHERE trigger = 'event' ORDER BY queued_at`,
    );

  /** A WMS milestone event for a shipment, signed as the WMS signs them, under a fresh event id. */
  function signedEvent(shipmentId: string): { body: string; headers: Record<string, string> } {
    const id = `evt-test-${randomUUID()}`;
    const body = JSON.stringify({
      id,
      type: 'shipment.milestone',
      occurred_at: new Date().toISOString(),
      data: { shipment_id: shipmentId },
    });
    return {
      body,
      headers: {
        'x-wms-event-id': id,
        'x-wms-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-wms-signature': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
      },
    };
  }

  interface Answer {
    eventId: string;
    runId: string | null;
    jobId: string | null;
    windowClosesAt: string | null;
    progressUrl: string | null;
    duplicate: boolean;
  }

  async function sendEvent(url: string, shipmentId: string): Promise<Answer> {
    const event = signedEvent(shipmentId);
    const answer = await post(url, event.body, event.headers);
    expect(answer.status).toBe(202);
    return (await answer.json()) as Answer;
  }

  /** Waits until just after a coalescing window starts, so that what is sent next falls in one window. */
  const atWindowStart = () => new Promise((resolve) => setTimeout(resolve, WINDOW_MS - (Date.now() % WINDOW_MS) + 50));

  const shipmentIds = async (from: number, count: number): Promise<string[]> => {
    const page = (await (await wms('/api/v1/shipments?limit=100')).json()) as { data: { id: string }[] };
    const ids = page.data.slice(from, from + count).map((s) => s.id);
    expect(ids).toHaveLength(count);
    return ids;
  };

  const completeRunOfJob = (jobId: string) =>
    waitFor(`the snapshot run of ${jobId} to complete`, async () => {
      const runs = (await eventRuns()).filter((r) => r.job_id === jobId);
      return runs.length > 0 && runs.every((r) => r.status === 'complete') ? runs : undefined;
    });

  /** Moves a shipment to its next milestone through the WMS API; returns its id and new status. */
  async function advanceShipment(): Promise<{ id: string; status: string }> {
    const page = (await (await wms('/api/v1/shipments?limit=100')).json()) as {
      data: { id: string; status: string }[];
    };
    const used = new Set(
      tapped.map((d) => (JSON.parse(d.body.toString()) as { data: { shipment_id: string } }).data.shipment_id),
    );
    const shipment = page.data.find((s) => s.status !== 'delivered' && !used.has(s.id));
    if (!shipment) throw new Error('the estate has no shipment left to move');
    const status = MILESTONES[MILESTONES.indexOf(shipment.status) + 1];
    const moved = await wms(`/api/v1/shipments/${encodeURIComponent(shipment.id)}/milestones`, {
      method: 'POST',
      body: JSON.stringify({ status }),
    });
    expect(moved.status).toBe(200);
    return { id: shipment.id, status };
  }

  beforeAll(async () => {
    estate = await startEstate({
      customers: 40,
      seed: 17,
      systems: ['wms'],
      wmsWebhookRetry: { attempts: 1, baseDelayMs: 10 },
    });
    dir = mkdtempSync(join(tmpdir(), 'dw-connector-events-'));
    const connectorsFile = join(dir, 'connectors.yaml');
    writeFileSync(
      connectorsFile,
      [
        'connectors:',
        '  - id: wms',
        '    kind: wms',
        `    baseUrl: ${estate.wms.baseUrl}`,
        '    auth: { type: api-key, header: x-api-key, key: "${env:TEST_WMS_API_KEY}" }',
        '    settings: { webhookSecret: "${env:TEST_WMS_WEBHOOK_SECRET}" }',
        '  - id: wms-pull-only',
        '    kind: wms',
        `    baseUrl: ${estate.wms.baseUrl}`,
        '    auth: { type: api-key, header: x-api-key, key: "${env:TEST_WMS_API_KEY}" }',
        '',
      ].join('\n'),
    );
    const secrets = { TEST_WMS_API_KEY: estate.wms.apiKey, TEST_WMS_WEBHOOK_SECRET: WEBHOOK_SECRET };
    env = await snapshotTestEnv({ DRIFTWATCH_CONNECTORS_FILE: connectorsFile });
    api = await startApiApp({ ...env.env, ...secrets, HTTP_BODY_LIMIT: '64kb' });
    worker = await startSnapshotApp('worker', env.env, {
      provide: CONNECTOR_RESOLVER,
      useValue: new ConfiguredConnectorResolver(connectorsFile, { ...process.env, ...secrets }),
    });
    const { port } = api.server.address() as AddressInfo;
    eventsUrl = `http://127.0.0.1:${port}/api/v1/connectors/wms/events`;

    tap = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        tapped.push({ body: Buffer.concat(chunks), headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => tap.listen(0, '127.0.0.1', resolve));
    const tapUrl = `http://127.0.0.1:${(tap.address() as AddressInfo).port}/tap`;

    // Subscribed through the WMS's own webhook API, as an operator would.
    for (const url of [eventsUrl, tapUrl]) {
      const subscribed = await wms('/api/v1/webhooks', {
        method: 'POST',
        body: JSON.stringify({ url, secret: WEBHOOK_SECRET }),
      });
      expect(subscribed.status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await estate?.stop();
    await new Promise((resolve) => (tap ? tap.close(resolve) : resolve(undefined)));
    await worker?.close();
    await api?.close();
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a shipment status change in the WMS is snapshotted by key: 202, one complete keyed run, just that row', async () => {
    const shipment = await advanceShipment();
    const deliveries = await waitFor('the WMS delivery to Driftwatch', async () => {
      const all = (await (await fetch(`${estate.wms.baseUrl}/__admin/webhook-deliveries`)).json()) as {
        url: string;
        lastStatus: number | null;
      }[];
      const ours = all.filter((d) => d.url === eventsUrl && d.lastStatus !== null);
      return ours.length > 0 ? ours : undefined;
    });
    expect(deliveries.map((d) => d.lastStatus)).toEqual([202]);

    const run = await waitFor('the keyed snapshot run to complete', async () => {
      const runs = await eventRuns();
      return runs.length === 1 && runs[0].status === 'complete' ? runs[0] : undefined;
    });
    expect(run).toMatchObject({ keys: [shipment.id], mode: 'incremental', rows_written: '1' });

    const rows = await env.clickhouse.query<{ entity_key: string; milestone: string; system: string }>(
      sql`SELECT system, entity_key, milestone FROM snapshot_shipment WHERE snapshot_id = ${run.id}`,
      { tag: 'test' },
    );
    expect(rows).toEqual([{ system: 'wms', entity_key: shipment.id, milestone: shipment.status }]);

    // Accepted into a coalescing window: the audit names the window's job (the run's job).
    expect(run.job_id).toMatch(/^snapshot:wms:shipment:incremental:event-window:\d+$/);
    const audit = await api.sql(
      `SELECT actor, action, subject_type, subject_id FROM audit_log WHERE actor = 'webhook:wms'`,
    );
    expect(audit).toEqual([
      { actor: 'webhook:wms', action: 'connector.event', subject_type: 'snapshot_job', subject_id: run.job_id },
    ]);
  });

  it('shows the keyed run over the API: the run, its keys and final progress, alone and in the list', async () => {
    const [run] = await eventRuns();
    const viewer = (await api.key(['viewer'])).key;
    const get = (path: string) => request(api.server).get(path).set('X-API-Key', viewer).expect(200);
    const shown = (await get(`/api/v1/snapshots/${run.id}`)).body as Record<string, unknown>;
    expect(shown).toMatchObject({
      id: run.id,
      connectorId: 'wms',
      entity: 'shipment',
      mode: 'incremental',
      trigger: 'event',
      status: 'complete',
      keys: run.keys,
      jobId: run.job_id,
      rowsWritten: 1,
      finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      progress: { runId: run.id, status: 'complete', rowsWritten: 1, percent: 100, etaS: 0 },
    });
    const listed = (await get('/api/v1/snapshots?connectorId=wms&entity=shipment')).body as unknown[];
    expect(listed).toContainEqual(shown);
  });

  it('takes the same delivery twice only once: 200 with the first run, nothing enqueued', async () => {
    const [delivery] = await waitFor('the tapped delivery', () =>
      Promise.resolve(tapped.length > 0 ? tapped : undefined),
    );
    const before = await eventRuns();
    const again = await post(eventsUrl, delivery.body, headersOf(delivery));
    expect(again.status).toBe(200);
    const answer = (await again.json()) as Answer;
    expect(answer).toMatchObject({
      duplicate: true,
      runId: before[0].id,
      jobId: before[0].job_id,
      progressUrl: `/api/v1/snapshots/${before[0].id}/progress`,
      eventId: delivery.headers['x-wms-event-id'],
    });
    expect(await eventRuns()).toEqual(before);
    const audit = await api.sql(`SELECT action, subject_id FROM audit_log WHERE actor = 'webhook:wms' ORDER BY id`);
    expect(audit).toEqual([
      { action: 'connector.event', subject_id: before[0].job_id },
      { action: 'connector.event.duplicate', subject_id: before[0].id },
    ]);
  });

  it('refuses bad and missing signatures, a foreign event id and a tampered body with 401, enqueuing nothing', async () => {
    // A new event the WMS sent (its own delivery to Driftwatch also lands; the tapped copy is what we tamper with).
    const shipment = await advanceShipment();
    const delivery = await waitFor('the tapped delivery of the second change', () =>
      Promise.resolve(tapped.find((d) => d.body.toString().includes(shipment.id))),
    );
    await waitFor('the second keyed run to complete', async () => {
      const runs = await eventRuns();
      return runs.length === 2 && runs.every((r) => r.status === 'complete') ? true : undefined;
    });
    const before = await eventRuns();
    const headers = headersOf(delivery);
    const forged = JSON.parse(delivery.body.toString()) as { id: string; data: Record<string, unknown> };
    forged.id = `forged-${forged.id}`;
    forged.data.shipment_id = 'SHP-NOT-THIS-ONE';
    const attempts = [
      post(eventsUrl, delivery.body, { ...headers, 'x-wms-signature': `sha256=${'0'.repeat(64)}` }),
      post(eventsUrl, delivery.body, { 'x-wms-event-id': headers['x-wms-event-id'] }),
      // Valid signature, but a different (unsigned) event id header: a replay dressed as a new event.
      post(eventsUrl, delivery.body, { ...headers, 'x-wms-event-id': 'another-event-id' }),
      post(eventsUrl, JSON.stringify(forged), { ...headers, 'x-wms-event-id': forged.id }),
      post(eventsUrl, delivery.body, { ...headers, 'x-wms-timestamp': String(Math.floor(Date.now() / 1000) - 3600) }),
    ];
    const statuses = await Promise.all(attempts.map(async (a) => (await a).status));
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(await eventRuns()).toEqual(before);
  });

  it('answers 404 for an unknown connector, 400 for one without change events, 415 for a non-JSON body, 413 for a huge body', async () => {
    const [delivery] = tapped;
    const headers = headersOf(delivery);
    const base = eventsUrl.replace(/\/wms\/events$/, '');
    expect((await post(`${base}/no-such-system/events`, delivery.body, headers)).status).toBe(404);
    expect((await post(`${base}/wms-pull-only/events`, delivery.body, headers)).status).toBe(400);
    const form = await fetch(eventsUrl, {
      method: 'POST',
      body: new Uint8Array(delivery.body),
      headers: { ...headers, 'content-type': 'text/plain' },
    });
    expect(form.status).toBe(415);
    const huge = await post(eventsUrl, JSON.stringify({ padding: 'x'.repeat(100_000) }), headers);
    expect(huge.status).toBe(413);
  });

  it('coalesces events for different shipments within one window into ONE keyed snapshot run of all their keys', async () => {
    const ids = await shipmentIds(10, 4);
    const before = await eventRuns();
    await atWindowStart();
    const answers = await Promise.all(ids.map((id) => sendEvent(eventsUrl, id)));
    const jobIds = new Set(answers.map((a) => a.jobId));
    expect(jobIds.size).toBe(1);
    for (const answer of answers) {
      expect(answer).toMatchObject({ runId: null, progressUrl: null, duplicate: false });
      expect(Date.parse(answer.windowClosesAt ?? '')).toBeGreaterThan(Date.now() - WINDOW_MS);
    }
    const [jobId] = [...jobIds] as string[];
    const runs = await completeRunOfJob(jobId);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ keys: [...ids].sort(), mode: 'incremental', rows_written: String(ids.length) });
    expect(await eventRuns()).toHaveLength(before.length + 1);
    // The keys are written into the window job's payload: what a retry and the targeted reconciliation read.
    const job = await worker.get<Queue>(getQueueToken(QUEUE.snapshot)).getJob(jobId);
    expect(job?.data).toMatchObject({ trigger: 'event', keys: [...ids].sort() });
    const rows = await env.clickhouse.query<{ entity_key: string }>(
      sql`SELECT entity_key FROM snapshot_shipment WHERE snapshot_id = ${runs[0].id} ORDER BY entity_key`,
      { tag: 'test' },
    );
    expect(rows.map((r) => r.entity_key)).toEqual([...ids].sort());
  });

  it('events in consecutive windows become separate keyed runs', async () => {
    const [first, second] = await shipmentIds(15, 2);
    await atWindowStart();
    const a = await sendEvent(eventsUrl, first);
    await atWindowStart();
    const b = await sendEvent(eventsUrl, second);
    expect(b.jobId).not.toBe(a.jobId);
    const [runA] = await completeRunOfJob(a.jobId ?? '');
    const [runB] = await completeRunOfJob(b.jobId ?? '');
    expect(runA.keys).toEqual([first]);
    expect(runB.keys).toEqual([second]);
    expect(runA.id).not.toBe(runB.id);
  });

  it('an event for a window whose job has already taken its keys goes to the next window: no key is lost', async () => {
    const [late] = await shipmentIds(18, 1);
    await atWindowStart();
    const start = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
    // As if this window's job had run early (a worker with a clock ahead): it is closed, with no keys.
    expect(await worker.get(SnapshotEventWindowsRepository).take('wms', 'shipment', start)).toEqual([]);
    const window = await worker.get(SnapshotsService).snapshotKeysInWindow('wms', 'shipment', [late], WINDOW_MS);
    expect(window.jobId).toBe(eventWindowJobId('wms', 'shipment', start + WINDOW_MS));
    const [run] = await completeRunOfJob(window.jobId);
    expect(run.keys).toEqual([late]);
  });

  it('with SNAPSHOT_EVENT_WINDOW_MS=0 each event enqueues its own keyed run at once (no coalescing)', async () => {
    const secrets = { TEST_WMS_API_KEY: estate.wms.apiKey, TEST_WMS_WEBHOOK_SECRET: WEBHOOK_SECRET };
    const unwindowed = await startApiApp({ ...env.env, ...secrets, SNAPSHOT_EVENT_WINDOW_MS: '0' });
    try {
      const { port } = unwindowed.server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/api/v1/connectors/wms/events`;
      const ids = await shipmentIds(20, 2);
      const answers = await Promise.all(ids.map((id) => sendEvent(url, id)));
      for (const answer of answers) {
        expect(answer.runId).toEqual(expect.any(String));
        expect(answer).toMatchObject({
          windowClosesAt: null,
          progressUrl: `/api/v1/snapshots/${answer.runId}/progress`,
          duplicate: false,
        });
      }
      const runs = await waitFor('both keyed runs to complete', async () => {
        const all = (await eventRuns()).filter((r) => answers.some((a) => a.runId === r.id));
        return all.length === 2 && all.every((r) => r.status === 'complete') ? all : undefined;
      });
      expect(runs.map((r) => r.keys).sort()).toEqual(ids.map((id) => [id]).sort());
    } finally {
      await unwindowed.close();
    }
  });
});
