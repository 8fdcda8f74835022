/**
 * The reads of `snapshot_runs` that every snapshot start or redelivered change event makes, against a
 * real Postgres: what they return, and that each still reads its partial index (migrations 0023 and
 * 0024) rather than every run. A query whose conditions stop implying an index's predicate would scan
 * the table again, which only shows at millions of runs.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SnapshotRunsRepository } from '../../../backend/src/modules/snapshots/snapshot-runs.repository';
import { SnapshotRunEntity } from '../../../backend/src/modules/snapshots/snapshot-run.entity';
import { probesIndex } from '../support/query-plans';
import { migratedPostgres } from '../support/test-services';

interface RunSpec {
  connector?: string;
  entity?: string;
  status?: string;
  mode?: string;
  watermark?: string | null;
  /** The run read a change event's records only (snapshot_runs.keys). */
  keyed?: boolean;
  jobId?: string | null;
  queuedAt?: string;
  started?: boolean;
  purged?: boolean;
}

describe('snapshot run lookups', () => {
  let db: Awaited<ReturnType<typeof migratedPostgres>>;
  let dataSource: DataSource;
  let runs: SnapshotRunsRepository;

  const run = async (spec: RunSpec): Promise<string> => {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, watermark, job_id, queued_at,
         started_at, purged_at, keys)
       VALUES ($1, $2, $3, $4, 'schedule', $5, $6, $7, $8, CASE WHEN $9 THEN now() END, CASE WHEN $10 THEN now() END,
         $11::jsonb)`,
      [
        id,
        spec.connector ?? 'crm',
        spec.entity ?? 'customer',
        spec.mode ?? 'incremental',
        spec.status ?? 'complete',
        spec.watermark ?? null,
        spec.jobId ?? null,
        spec.queuedAt ?? new Date().toISOString(),
        spec.started ?? true,
        spec.purged ?? false,
        spec.keyed ? JSON.stringify(['C1']) : null,
      ],
    );
    return id;
  };

  beforeAll(async () => {
    db = await migratedPostgres([SnapshotRunEntity]);
    ({ dataSource } = db);
    runs = new SnapshotRunsRepository(dataSource);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('resumes an incremental at the highest watermark of that system and entity complete runs', async () => {
    await run({ watermark: '2026-11-01T10:00:00Z', mode: 'full' });
    await run({ watermark: '2026-11-03T10:00:00Z' });
    await run({ watermark: null });
    await run({ watermark: '2026-11-02T10:00:00Z' });
    // Higher, but not complete, or another entity or system.
    await run({ watermark: '2026-11-09T10:00:00Z', status: 'failed' });
    await run({ watermark: '2026-11-08T10:00:00Z', status: 'partial' });
    await run({ watermark: '2026-11-07T10:00:00Z', status: 'running' });
    // A change event's records, newer than changes it never read (keyed runs before this fix held one).
    await run({ watermark: '2026-11-10T10:00:00Z', keyed: true });
    await run({ watermark: '2026-11-06T10:00:00Z', entity: 'order' });
    await run({ watermark: '2026-11-05T10:00:00Z', connector: 'erp' });
    await run({ watermark: null, connector: 'erp', entity: 'order' });

    expect((await runs.lastCompleteWatermark('crm', 'customer'))?.toISOString()).toBe('2026-11-03T10:00:00.000Z');
    expect((await runs.lastCompleteWatermark('crm', 'order'))?.toISOString()).toBe('2026-11-06T10:00:00.000Z');
    expect(await runs.lastCompleteWatermark('erp', 'order')).toBeNull();
    expect(await runs.lastCompleteWatermark('wms', 'shipment')).toBeNull();
    expect(
      await probesIndex(dataSource, 'snapshot_runs', 'snapshot_runs_watermark_idx', () =>
        runs.lastCompleteWatermark('crm', 'customer'),
      ),
    ).toBe(true);
  });

  it('lists the failed and partial runs of a pair whose rows are not purged yet', async () => {
    const failed = await run({ connector: 'wms', entity: 'shipment', status: 'failed' });
    const partial = await run({ connector: 'wms', entity: 'shipment', status: 'partial' });
    await run({ connector: 'wms', entity: 'shipment', status: 'failed', purged: true });
    await run({ connector: 'wms', entity: 'shipment', status: 'failed', started: false });
    await run({ connector: 'wms', entity: 'shipment', status: 'complete' });
    await run({ connector: 'wms', entity: 'order', status: 'failed' });
    await run({ connector: 'erp', entity: 'shipment', status: 'partial' });

    const found = await runs.unpurged('wms', 'shipment');
    expect(found.map((r) => r.id).sort()).toEqual([failed, partial].sort());
    expect(found.every((r) => r instanceof SnapshotRunEntity && r.connectorId === 'wms')).toBe(true);
    await runs.markPurged(failed);
    expect((await runs.unpurged('wms', 'shipment')).map((r) => r.id)).toEqual([partial]);
    expect(
      await probesIndex(dataSource, 'snapshot_runs', 'snapshot_runs_unpurged_idx', () =>
        runs.unpurged('wms', 'shipment'),
      ),
    ).toBe(true);
  });

  it("finds a job's latest run (a retried job's attempts are separate runs)", async () => {
    await run({ jobId: 'snapshot:wms:shipment:1', queuedAt: '2026-11-30T10:00:00Z', status: 'failed' });
    const retry = await run({ jobId: 'snapshot:wms:shipment:1', queuedAt: '2026-11-30T10:05:00Z' });
    await run({ jobId: 'snapshot:wms:shipment:2', queuedAt: '2026-11-30T10:10:00Z' });

    expect((await runs.latestOfJob('snapshot:wms:shipment:1'))?.id).toBe(retry);
    expect(await runs.latestOfJob('snapshot:wms:shipment:3')).toBeNull();
    expect(
      await probesIndex(dataSource, 'snapshot_runs', 'snapshot_runs_job_idx', () =>
        runs.latestOfJob('snapshot:wms:shipment:1'),
      ),
    ).toBe(true);
  });
});
