import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { ConnectorStatusDto as ConnectorStatus } from '../../../backend/src/modules/connectors-status/connectors-status.dto';
import { SnapshotRunsRepository } from '../../../backend/src/modules/snapshots/snapshot-runs.repository';
import type { RunningProgress } from '../../../backend/src/modules/snapshots/snapshot.dto';
import { startApiApp, type ApiTestApp } from '../api/support/api-app';

/** A WMS-like source on loopback that counts how often it is asked. */
async function startWmsSource(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/shipments')) hits += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a whole SSE response into its `progress` events. */
function sseEvents(text: string): RunningProgress[] {
  return text
    .split('\n\n')
    .filter((block) => /^event: progress$/m.test(block))
    .map((block) => JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as RunningProgress);
}

describe('connector status and the snapshot progress stream over HTTP (real app, real connectors)', () => {
  let t: ApiTestApp;
  let viewer: string;
  let wms: Awaited<ReturnType<typeof startWmsSource>>;
  let runs: SnapshotRunsRepository;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    wms = await startWmsSource();
    const dir = mkdtempSync(join(tmpdir(), 'dw-connectors-'));
    const file = join(dir, 'connectors.yaml');
    writeFileSync(
      file,
      `connectors:
  - id: wms
    kind: wms
    baseUrl: ${wms.url}
    auth: { type: api-key, header: x-api-key, key: '\${env:DW_TEST_WMS_KEY}' }
  - id: legacy
    kind: sql
    settings:
      url: \${env:DW_TEST_LEGACY_URL}
      entities:
        customer:
          query: SELECT 1 AS id, 'C1' AS no
          key: id
          fields: { customerNumber: { from: no } }
  - id: offline
    kind: wms
    baseUrl: http://127.0.0.1:9
    timeoutMs: 1000
    retry: { maxAttempts: 1 }
    auth: { type: api-key, header: x-api-key, key: '\${env:DW_TEST_WMS_KEY}' }
`,
    );
    process.env.DW_TEST_WMS_KEY = 'wms-test-key-0001';
    t = await startApiApp({
      DRIFTWATCH_CONNECTORS_FILE: file,
      SNAPSHOT_SCHEDULES: 'wms:shipment:incremental=*/5 * * * *;legacy:customer:full=0 2 * * *',
      CONNECTOR_HEALTH_CACHE_MS: '60000',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    process.env.DW_TEST_LEGACY_URL = t.postgresUrl;
    viewer = (await t.key(['viewer'])).key;
    runs = t.app.get(SnapshotRunsRepository);

    // Runs through the real repository; then their clocks are moved back to give them an age.
    // A keyed run (a change event's records) reads 2 rows in a second.
    const complete = async (
      connectorId: string,
      entity: 'shipment' | 'customer',
      minutesAgo: number,
      keys?: string[],
    ) => {
      const request = { connectorId, entity, mode: keys ? 'incremental' : 'full', trigger: 'api', keys } as const;
      const queued = await runs.createQueued(request);
      const started = await runs.start({ ...request, queuedRunId: queued.id, attempt: 1 }, 5, 60_000);
      if (!started) throw new Error('no slot');
      const rows = keys ? 2 : 1000;
      await runs.progress(started.id, {
        rowsRead: rows,
        rowsWritten: rows,
        rejects: 0,
        cursor: null,
        total: rows,
        watermark: null,
      });
      await runs.finish(started.id, { status: 'complete', rowsWritten: rows });
      await t.sql(
        `UPDATE snapshot_runs SET started_at = now() - make_interval(secs => $2 * 60 + $3), finished_at = now() - make_interval(secs => $2 * 60) WHERE id = $1`,
        [started.id, minutesAgo, keys ? 1 : 10],
      );
      return started.id;
    };
    ids.wmsOld = await complete('wms', 'shipment', 20);
    ids.legacy = await complete('legacy', 'customer', 60);
    // Change events since: they do not make the shipments fresh, nor set their rows and throughput.
    for (const minutesAgo of [3, 2, 1]) await complete('wms', 'shipment', minutesAgo, [`SO-${minutesAgo}`]);
    await complete('offline', 'shipment', 1, ['SO-1']);
    const queued = await runs.createQueued({
      connectorId: 'wms',
      entity: 'shipment',
      mode: 'incremental',
      trigger: 'api',
    });
    const running = await runs.start(
      {
        connectorId: 'wms',
        entity: 'shipment',
        mode: 'incremental',
        trigger: 'api',
        queuedRunId: queued.id,
        attempt: 1,
      },
      5,
      60_000,
    );
    if (!running) throw new Error('no slot');
    ids.running = running.id;
    await runs.progress(running.id, {
      rowsRead: 500,
      rowsWritten: 400,
      rejects: 1,
      cursor: 'c',
      total: 1000,
      watermark: null,
    });
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    await wms?.close();
    delete process.env.DW_TEST_WMS_KEY;
    delete process.env.DW_TEST_LEGACY_URL;
  });

  const get = (path: string) => request(t.server).get(path).set('X-API-Key', viewer);

  it('lists connectors with health, last complete snapshot, freshness against the schedule, throughput and running runs', async () => {
    const body = (await get('/api/v1/connectors').expect(200)).body as { items: ConnectorStatus[] };
    const byId = Object.fromEntries(body.items.map((c) => [c.id, c]));
    expect(Object.keys(byId)).toEqual(['wms', 'legacy', 'offline']);
    expect(byId.wms?.health).toMatchObject({ up: true, cached: false });
    expect(byId.legacy?.health).toMatchObject({ up: true });
    expect(byId.offline?.health.up).toBe(false);
    expect(byId.offline?.health.detail).toBeTruthy();
    expect(JSON.stringify(body)).not.toContain('wms-test-key-0001');

    const shipment = byId.wms?.snapshots.find((s) => s.entity === 'shipment');
    expect(shipment).toMatchObject({
      schedules: [{ mode: 'incremental', cron: '*/5 * * * *', intervalSeconds: 300 }],
      lastComplete: { runId: ids.wmsOld, status: 'complete', rowsWritten: 1000 },
      lastFinished: { runId: ids.wmsOld },
      freshness: 'stale',
      throughputRowsPerS: 100,
      throughputRuns: 1,
    });
    expect(shipment?.ageSeconds).toBeGreaterThanOrEqual(1200);
    expect(byId.legacy?.snapshots.find((s) => s.entity === 'customer')).toMatchObject({
      schedules: [{ mode: 'full', intervalSeconds: 86_400 }],
      freshness: 'fresh',
    });
    expect(byId.offline?.snapshots.find((s) => s.entity === 'shipment')).toMatchObject({
      lastComplete: null,
      freshness: 'never',
    });
    expect(byId.wms?.running).toEqual([
      expect.objectContaining({ runId: ids.running, status: 'running', rowsRead: 500, total: 1000, percent: 50 }),
    ]);
  });

  it('caches health briefly so the dashboard does not hammer the sources', async () => {
    const before = wms.hits();
    const again = (await get('/api/v1/connectors/wms').expect(200)).body as ConnectorStatus;
    expect(again.health).toMatchObject({ up: true, cached: true });
    expect(wms.hits()).toBe(before);
  });

  it('answers 404 for an unknown connector and 400 for a malformed id', async () => {
    await get('/api/v1/connectors/nope').expect(404);
    expect(((await get('/api/v1/connectors/NOPE!').expect(400)).body as { field: string }).field).toBe('id');
    await request(t.server).get('/api/v1/connectors').expect(401);
  });

  it('streams running snapshots until they end, then closes; an idle stream closes at once', async () => {
    const finishing = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        runs
          .progress(ids.running, {
            rowsRead: 900,
            rowsWritten: 900,
            rejects: 1,
            cursor: 'd',
            total: 1000,
            watermark: null,
          })
          .then(() => new Promise((r) => setTimeout(r, 1200)))
          .then(() => runs.finish(ids.running, { status: 'complete', rowsWritten: 1000 }))
          .then(() => resolve(), reject);
      }, 1200);
    });
    const res = await get('/api/v1/snapshots/progress')
      .buffer(true)
      .parse((response, callback) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => callback(null, text));
      })
      .expect(200);
    await finishing;
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const events = sseEvents(res.body as string);
    expect(events[0]?.runs).toEqual([expect.objectContaining({ runId: ids.running, rowsRead: 500, percent: 50 })]);
    expect(events.some((e) => e.runs[0]?.rowsRead === 900)).toBe(true);
    expect(events[events.length - 1]).toMatchObject({
      active: 0,
      runs: [expect.objectContaining({ runId: ids.running, status: 'complete', percent: 100 })],
    });
    expect(res.text ?? (res.body as string)).toMatch(/^retry: 5000$/m);

    const idle = await get('/api/v1/snapshots/progress?connectorId=legacy')
      .buffer(true)
      .parse((response, callback) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => callback(null, text));
      })
      .expect(200);
    expect(sseEvents(idle.body as string)).toEqual([{ runs: [], active: 0 }]);
    await get('/api/v1/snapshots/progress?connectorId=Bad!').expect(400);
    await request(t.server).get('/api/v1/snapshots/progress').expect(401);
  });
});
