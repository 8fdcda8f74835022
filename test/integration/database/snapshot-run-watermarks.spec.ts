/**
 * Where an incremental extract resumes (`SnapshotRunsRepository.lastCompleteWatermark`), against a real
 * Postgres: the highest watermark of the pair's complete runs, whatever their order, status or mode
 * around them, and read through migration 0023's partial index (its predicate must stay implied by the
 * query, or every incremental snapshot start scans every run again).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SnapshotRunsRepository } from '../../../backend/src/modules/snapshots/snapshot-runs.repository';
import { SnapshotRunEntity } from '../../../backend/src/modules/snapshots/snapshot-run.entity';
import { migratedPostgres } from '../support/test-services';

describe('the watermark an incremental snapshot resumes from', () => {
  let db: Awaited<ReturnType<typeof migratedPostgres>>;
  let dataSource: DataSource;
  let runs: SnapshotRunsRepository;

  const run = (connector: string, entity: string, status: string, watermark: string | null, mode = 'incremental') =>
    dataSource.query<unknown>(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, watermark, queued_at)
       VALUES ($1, $2, $3, $4, 'schedule', $5, $6, now() - random() * interval '1 day')`,
      [randomUUID(), connector, entity, mode, status, watermark],
    );

  beforeAll(async () => {
    db = await migratedPostgres([SnapshotRunEntity]);
    ({ dataSource } = db);
    runs = new SnapshotRunsRepository(dataSource);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('is the highest watermark of the complete runs of that system and entity only', async () => {
    await run('crm', 'customer', 'complete', '2026-11-01T10:00:00Z', 'full');
    await run('crm', 'customer', 'complete', '2026-11-03T10:00:00Z');
    await run('crm', 'customer', 'complete', null);
    await run('crm', 'customer', 'complete', '2026-11-02T10:00:00Z');
    // Higher, but not complete, or another entity or system.
    await run('crm', 'customer', 'failed', '2026-11-09T10:00:00Z');
    await run('crm', 'customer', 'partial', '2026-11-08T10:00:00Z');
    await run('crm', 'customer', 'running', '2026-11-07T10:00:00Z');
    await run('crm', 'order', 'complete', '2026-11-06T10:00:00Z');
    await run('erp', 'customer', 'complete', '2026-11-05T10:00:00Z');
    await run('erp', 'order', 'complete', null);

    expect((await runs.lastCompleteWatermark('crm', 'customer'))?.toISOString()).toBe('2026-11-03T10:00:00.000Z');
    expect((await runs.lastCompleteWatermark('crm', 'order'))?.toISOString()).toBe('2026-11-06T10:00:00.000Z');
    expect(await runs.lastCompleteWatermark('erp', 'order')).toBeNull();
    expect(await runs.lastCompleteWatermark('wms', 'shipment')).toBeNull();
  });

  it('reads migration 0023 index, not the runs', async () => {
    const spy = jest.spyOn(dataSource, 'query');
    await runs.lastCompleteWatermark('crm', 'customer');
    const [text, params] = spy.mock.calls[0] as [string, unknown[]];
    spy.mockRestore();
    // A few rows would be scanned rather than probed: forbid that, so only a usable index gives a plan.
    const plan = await dataSource.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      await tx.query('SET LOCAL enable_bitmapscan = off');
      const rows: { 'QUERY PLAN': string }[] = await tx.query(`EXPLAIN ${text}`, params);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('snapshot_runs_watermark_idx');
  });
});
