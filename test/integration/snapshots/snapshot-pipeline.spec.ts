import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { raw, sql } from '../../../backend/src/clickhouse/sql';
import { DataSource } from 'typeorm';
import { SnapshotRunsRepository } from '../../../backend/src/modules/snapshots/snapshot-runs.repository';
import { SnapshotRunnerService } from '../../../backend/src/modules/snapshots/snapshot-runner.service';
import { SnapshotsService } from '../../../backend/src/modules/snapshots/snapshots.service';
import type { SnapshotProgress } from '../../../backend/src/modules/snapshots/snapshot.dto';
import { LEGACY, legacySource, orderNumber, type LegacySource } from './support/legacy-source';
import { snapshotTestEnv, startSnapshotApp, type SnapshotTestEnv } from './support/snapshot-app';

const ORDERS = 1500;
const request = (mode: 'full' | 'incremental') =>
  ({ connectorId: LEGACY, entity: 'order', mode, trigger: 'cli' }) as const;

describe('snapshot pipeline against real Postgres (source and runs), ClickHouse and Redis', () => {
  let env: SnapshotTestEnv;
  let source: LegacySource;
  let app: INestApplication;
  let runner: SnapshotRunnerService;

  const ch = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => env.clickhouse.query<T>(query, { tag: 'test' });
  const liveOrders = async () =>
    ch<{ entity_key: string; status: string; deleted: number; snapshot_id: string }>(
      raw('SELECT entity_key, status, deleted, snapshot_id FROM current_order FINAL ORDER BY entity_key'),
    );

  beforeAll(async () => {
    source = await legacySource(ORDERS);
    // Two malformed rows: one the connector rejects (no customer), one only the pipeline can
    // (a date ClickHouse DateTime cannot hold).
    await source.sql(`UPDATE legacy_orders SET customer_no = NULL WHERE order_no = $1`, [orderNumber(7)]);
    await source.sql(`UPDATE legacy_orders SET status_changed_at = '1950-01-01Z' WHERE order_no = $1`, [
      orderNumber(8),
    ]);
    // Small inserts so that one run makes several streamed inserts.
    env = await snapshotTestEnv({ SNAPSHOT_INSERT_ROWS: '400', SNAPSHOT_WORKER_CONCURRENCY: '2' });
    app = await startSnapshotApp('all', env.env, source.provider(250));
    await app.listen(0, '127.0.0.1');
    runner = app.get(SnapshotRunnerService);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    await source?.drop();
  });

  it('takes a full snapshot: every valid row once, rejects counted and stored with reasons, catalogued', async () => {
    const progress: SnapshotProgress[] = [];
    const run = await runner.execute(request('full'), { onProgress: (p) => progress.push(p) });
    expect(run).toMatchObject({ status: 'complete', rowsWritten: ORDERS - 2, rejects: 2, deletedKeys: 0, error: null });
    expect(run.rowsPerS).toBeGreaterThan(0);
    expect(run.watermark).not.toBeNull();

    const [counts] = await ch<{ n: string; keys: string; hashes: string }>(
      sql`SELECT count() AS n, uniqExact(key_hash) AS keys, countIf(field_hash != 0) AS hashes FROM snapshot_order WHERE snapshot_id = ${run.id}`,
    );
    expect(counts).toEqual({ n: String(ORDERS - 2), keys: String(ORDERS - 2), hashes: String(ORDERS - 2) });
    const rejects = await ch<{ entity_key: string; reason: string; raw_excerpt: string }>(
      sql`SELECT entity_key, reason, raw_excerpt FROM rejected_records WHERE snapshot_id = ${run.id} ORDER BY entity_key`,
    );
    expect(rejects.map((r) => r.entity_key)).toEqual([orderNumber(7), orderNumber(8)]);
    expect(rejects[0].reason).toMatch(/customer_no/);
    expect(rejects[1].reason).toMatch(/statusChangedAt is outside the DateTime range/);
    expect(rejects[1].raw_excerpt).toContain(orderNumber(8));

    const catalog = await ch<{ snapshot_id: string; row_count: string; mode: string }>(
      raw("SELECT snapshot_id, row_count, mode FROM snapshot_catalog WHERE entity = 'order'"),
    );
    expect(catalog).toEqual([{ snapshot_id: run.id, row_count: String(ORDERS - 2), mode: 'full' }]);
    expect((await liveOrders()).length).toBe(ORDERS - 2);

    // Status transitions land with the source's own timestamp (initial states on a first snapshot).
    const [event] = await ch<{ value: string; occurred_at: string }>(
      sql`SELECT value, occurred_at FROM entity_events WHERE entity_key = ${orderNumber(1)}`,
    );
    expect(event).toEqual({ value: 'processing', occurred_at: '2026-01-01 00:01:00' });

    // Progress: several updates while running, the total known, the last one complete.
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.some((p) => p.status === 'running' && p.total === ORDERS && p.percent !== null)).toBe(true);
    expect(progress[progress.length - 1]).toMatchObject({ status: 'complete', percent: 100, rowsWritten: ORDERS - 2 });
  });

  it('takes an incremental snapshot of what changed since the last complete run and records transitions', async () => {
    const changedAt = new Date();
    changedAt.setUTCMilliseconds(0);
    await source.sql(
      `UPDATE legacy_orders SET status = 'on_hold', status_changed_at = $1, updated_at = $1 WHERE order_no = ANY($2)`,
      [changedAt, [orderNumber(10), orderNumber(11), orderNumber(12)]],
    );
    const run = await runner.execute(request('incremental'));
    expect(run.status).toBe('complete');
    expect(run.since).not.toBeNull();
    // Rows changed just now: the next incremental resumes before them (SNAPSHOT_WATERMARK_LOOKBACK_MS, 5 min).
    expect(run.watermark?.getTime()).toBeLessThanOrEqual((run.startedAt?.getTime() ?? 0) - 300_000);
    // The watermark is inclusive, so the newest seeded row may be read again; nothing else is.
    expect(run.rowsWritten).toBeGreaterThanOrEqual(3);
    expect(run.rowsWritten).toBeLessThanOrEqual(4);
    const current = await liveOrders();
    expect(current.length).toBe(ORDERS - 2);
    expect(current.filter((r) => r.status === 'on_hold').map((r) => r.entity_key)).toEqual([
      orderNumber(10),
      orderNumber(11),
      orderNumber(12),
    ]);
    const events = await ch<{ entity_key: string; value: string; occurred_at: string }>(
      raw("SELECT entity_key, value, occurred_at FROM entity_events WHERE value = 'on_hold' ORDER BY entity_key"),
    );
    const expectedAt = changedAt.toISOString().slice(0, 19).replace('T', ' ');
    expect(events).toEqual(
      [10, 11, 12].map((i) => ({ entity_key: orderNumber(i), value: 'on_hold', occurred_at: expectedAt })),
    );
  });

  it('marks keys absent from a complete full snapshot as deleted in the current state', async () => {
    await source.sql(`DELETE FROM legacy_orders WHERE order_no = ANY($1)`, [[orderNumber(20), orderNumber(21)]]);
    const run = await runner.execute(request('full'));
    expect(run).toMatchObject({ status: 'complete', deletedKeys: 2, rowsWritten: ORDERS - 4 });
    const current = await liveOrders();
    expect(current.filter((r) => r.deleted === 1).map((r) => r.entity_key)).toEqual([orderNumber(20), orderNumber(21)]);
    expect(current.filter((r) => r.deleted === 0).length).toBe(ORDERS - 4);
    // A second full run finds nothing new to delete.
    expect((await runner.execute(request('full'))).deletedKeys).toBe(0);
  });

  it('snapshots just the keys a change event names, through the queue and the worker', async () => {
    await source.sql(`UPDATE legacy_orders SET status = 'cancelled', updated_at = now() WHERE order_no = $1`, [
      orderNumber(30),
    ]);
    const { runId } = await app.get(SnapshotsService).snapshotKeys(LEGACY, 'order', [orderNumber(30), orderNumber(30)]);
    const service = app.get(SnapshotsService);
    let run = await service.get(runId);
    for (let i = 0; i < 100 && !['complete', 'failed', 'partial'].includes(run.status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = await service.get(runId);
    }
    expect(run).toMatchObject({
      status: 'complete',
      trigger: 'event',
      mode: 'incremental',
      rowsWritten: 1,
      keys: [orderNumber(30)],
    });
    const [row] = await ch<{ status: string }>(
      sql`SELECT status FROM current_order FINAL WHERE entity_key = ${orderNumber(30)}`,
    );
    expect(row.status).toBe('cancelled');
  });

  it('catalogues a snapshot of given keys as keyed (never a whole state) even when asked for a full one, and deletes nothing', async () => {
    const live = async () =>
      Number(
        (await ch<{ n: string }>(raw(`SELECT count() AS n FROM current_order FINAL WHERE deleted = 0`)))[0]?.n ?? 0,
      );
    const before = await live();
    const run = await runner.execute({
      connectorId: LEGACY,
      entity: 'order',
      mode: 'full',
      keys: [orderNumber(31)],
      trigger: 'cli',
    });
    expect(run.status).toBe('complete');
    const [catalogued] = await ch<{ mode: string; row_count: string }>(
      sql`SELECT mode, row_count FROM snapshot_catalog FINAL WHERE snapshot_id = ${run.id}`,
    );
    expect(catalogued).toEqual({ mode: 'keyed', row_count: '1' });
    expect(await live()).toBe(before);
    // Nor is its newest record time a place for the next incremental to resume from.
    expect(run.watermark).toBeNull();
  });

  it('streams progress over server-sent events for a run requested through the API', async () => {
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const created = await fetch(`${base}/api/v1/snapshots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connectorId: LEGACY, entity: 'order', mode: 'full' }),
    });
    expect(created.status).toBe(202);
    const { runId, progressUrl } = (await created.json()) as { runId: string; progressUrl: string };
    const response = await fetch(`${base}${progressUrl}`);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await response.text(); // the stream ends after the final event
    const events = text
      .split('\n\n')
      .filter((block) => block.includes('data:'))
      .map((block) => ({
        type: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as SnapshotProgress,
      }));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.type === 'progress' && e.data.runId === runId)).toBe(true);
    expect(events[events.length - 1].data).toMatchObject({ status: 'complete', percent: 100, rowsWritten: ORDERS - 4 });

    expect((await fetch(`${base}/api/v1/snapshots/${runId}`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/snapshots/00000000-0000-4000-8000-000000000000/progress`)).status).toBe(404);
    const unknown = await fetch(`${base}/api/v1/snapshots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connectorId: 'nope', entity: 'order', mode: 'full' }),
    });
    expect(unknown.status).toBe(404);
    const invalid = await fetch(`${base}/api/v1/snapshots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connectorId: LEGACY, entity: 'planet', mode: 'full' }),
    });
    expect(invalid.status).toBe(400);
    // A full snapshot of a few keys would be taken for the system's whole state.
    const fullOfKeys = await fetch(`${base}/api/v1/snapshots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connectorId: LEGACY, entity: 'order', mode: 'full', keys: ['O-1'] }),
    });
    expect(fullOfKeys.status).toBe(400);
    expect(((await fullOfKeys.json()) as { message: string }).message).toMatch(/keys are for incremental snapshots/);
  });
  it('holds each connector to its concurrency limit and frees slots held by a dead worker', async () => {
    const runs = app.get(SnapshotRunsRepository);
    const req = { connectorId: 'limited', entity: 'order', mode: 'full', trigger: 'cli', attempt: 1 } as const;
    const first = await runs.start(req, 1, 60_000);
    expect(first?.status).toBe('running');
    expect(await runs.start(req, 1, 60_000)).toBeNull();
    // A worker that stopped sending heartbeats: its run is failed as stale and the slot is free again.
    await app
      .get(DataSource)
      .query(`UPDATE snapshot_runs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, [first!.id]);
    const second = await runs.start(req, 1, 60_000);
    expect(second?.status).toBe('running');
    expect(await runs.findById(first!.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/heartbeat/),
    });
    await runs.finish(second!.id, { status: 'failed', error: 'test' });
  });

  it('marks the keys a keyed snapshot asked for and did not get as deleted, never a rejected one', async () => {
    // Gone from the source: deleted. Unchanged: still live. Now malformed: rejected, not deleted.
    await source.sql(`DELETE FROM legacy_orders WHERE order_no = $1`, [orderNumber(40)]);
    await source.sql(`UPDATE legacy_orders SET customer_no = NULL, updated_at = now() WHERE order_no = $1`, [
      orderNumber(42),
    ]);
    const keyed = (keys: string[]) =>
      runner.execute({ connectorId: LEGACY, entity: 'order', mode: 'incremental', keys, trigger: 'cli' });
    const run = await keyed([orderNumber(40), orderNumber(41), orderNumber(42), 'O-never-known']);
    expect(run).toMatchObject({ status: 'complete', rowsWritten: 1, rejects: 1, deletedKeys: 1 });
    const state = new Map((await liveOrders()).map((r) => [r.entity_key, r]));
    expect(state.get(orderNumber(40))).toMatchObject({ deleted: 1, snapshot_id: run.id });
    expect(state.get(orderNumber(41))).toMatchObject({ deleted: 0, snapshot_id: run.id });
    expect(state.get(orderNumber(42))).toMatchObject({ deleted: 0 });
    expect(state.get(orderNumber(42))?.snapshot_id).not.toBe(run.id);
    expect(state.has('O-never-known')).toBe(false);
    const [catalogued] = await ch<{ mode: string; deleted_keys: string }>(
      sql`SELECT mode, deleted_keys FROM snapshot_catalog FINAL WHERE snapshot_id = ${run.id}`,
    );
    expect(catalogued).toEqual({ mode: 'keyed', deleted_keys: '1' });
    // Asked again, the deleted record stays deleted and is not counted twice.
    expect(await keyed([orderNumber(40)])).toMatchObject({ status: 'complete', rowsWritten: 0, deletedKeys: 0 });
  });
});
