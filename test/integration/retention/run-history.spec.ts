/**
 * The retention pass's Postgres part against a real Postgres (and the ClickHouse its first part reads):
 * old reconciliation and snapshot runs, alert deliveries and received events' audit entries are
 * deleted, except the runs reads still use; the metrics' run totals do not go down; a replaced run's
 * successor survives its deletion; the rest of the audit log goes only when its own retention is set.
 */
import { randomUUID } from 'node:crypto';
import { ConfigService } from '../../../backend/src/config/config.service';
import { SecretRedactor } from '../../../backend/src/http/secret-redaction';
import { AuditRepository } from '../../../backend/src/modules/audit/audit.repository';
import { AuditService } from '../../../backend/src/modules/audit/audit.service';
import { MetricsRepository } from '../../../backend/src/modules/metrics/metrics.repository';
import { ClosedFindingsRepository } from '../../../backend/src/modules/retention/closed-findings.repository';
import { RetentionRepository } from '../../../backend/src/modules/retention/retention.repository';
import { RetentionService } from '../../../backend/src/modules/retention/retention.service';
import { RunHistoryRepository } from '../../../backend/src/modules/retention/run-history.repository';
import { ReconciliationFixture } from '../reconciliation/support/reconciliation-fixture';

const AT = new Date('2026-11-30T03:17:00Z');
const OLD = '2026-06-01T10:00:00Z';
const RECENT = '2026-11-29T10:00:00Z';
const at = (iso: string, minutes = 0) => new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();

describe('retention of Postgres run history', () => {
  let fx: ReconciliationFixture;
  const service = (env: Record<string, string> = {}) =>
    new RetentionService(
      new RetentionRepository(fx.clickhouse, fx.dataSource),
      // One row per statement: the batching a first pass over years of history needs, exercised here.
      Object.assign(new RunHistoryRepository(fx.dataSource), { batchSize: 1 }),
      new ClosedFindingsRepository(fx.dataSource),
      new ConfigService({ ...process.env, ...env }),
      new AuditService(new AuditRepository(fx.dataSource), new SecretRedactor()),
    );
  const ids = async (table: string) =>
    (await fx.dataSource.query<{ id: string }[]>(`SELECT id::text AS id FROM ${table}`)).map((r) => r.id).sort();
  const reconciliationRun = async (id: string, status: string, startedAt: string, targeted = false) =>
    fx.dataSource.query<unknown>(
      `INSERT INTO reconciliation_runs (id, trigger, status, scope, started_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $3 = 'running' THEN NULL ELSE $5::timestamptz + interval '1 minute' END)`,
      [id, targeted ? 'event' : 'schedule', status, { target: targeted ? { entity: 'customer' } : null }, startedAt],
    );
  const snapshotRun = async (
    id: string,
    run: {
      connector: string;
      mode: 'full' | 'incremental';
      status: string;
      queuedAt: string;
      rows?: number;
      watermark?: string;
      purged?: boolean;
      keys?: string[];
      replaces?: string;
    },
  ) =>
    fx.dataSource.query<unknown>(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, keys, replaces_run_id, watermark,
         rows_written, queued_at, started_at, finished_at, purged_at)
       VALUES ($1, $2, 'customer', $3, 'schedule', $4, $5, $6, $7, $8, $9, $9,
         CASE WHEN $4 IN ('queued', 'running') THEN NULL ELSE $9::timestamptz + interval '1 minute' END,
         CASE WHEN $10 THEN $9::timestamptz + interval '2 minutes' END)`,
      [
        id,
        run.connector,
        run.mode,
        run.status,
        run.keys ? JSON.stringify(run.keys) : null,
        run.replaces ?? null,
        run.watermark ?? null,
        run.rows ?? 0,
        run.queuedAt,
        run.purged ?? false,
      ],
    );

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('deletes old run history but keeps every run reads still use, and the run totals', async () => {
    const r = Object.fromEntries(
      ['oldFull', 'oldTargeted', 'oldFailed', 'stuck', 'recent'].map((k) => [k, randomUUID()]),
    );
    await reconciliationRun(r.oldFull, 'complete', OLD);
    await reconciliationRun(r.oldTargeted, 'complete', at(OLD, 5), true);
    await reconciliationRun(r.oldFailed, 'failed', at(OLD, 10));
    await reconciliationRun(r.stuck, 'running', at(OLD, 15));
    await reconciliationRun(r.recent, 'complete', RECENT, true);

    const s = Object.fromEntries(
      [
        'crmFirst',
        'crmFailedPurged',
        'crmFailedUnpurged',
        'crmLatestFull',
        'crmHighWatermark',
        'crmIncremental',
        'crmTargeted',
        'crmRetry',
        'erpFirst',
        'erpLatest',
      ].map((k) => [k, randomUUID()]),
    );
    // CRM: every run old except the latest incremental and a queued retry.
    await snapshotRun(s.crmFirst, { connector: 'crm', mode: 'full', status: 'complete', queuedAt: OLD, rows: 100 });
    await snapshotRun(s.crmFailedPurged, {
      connector: 'crm',
      mode: 'full',
      status: 'failed',
      queuedAt: at(OLD, 10),
      purged: true,
    });
    // Its rows are still in ClickHouse: the next run of the pair purges them, so it must stay.
    await snapshotRun(s.crmFailedUnpurged, { connector: 'crm', mode: 'full', status: 'failed', queuedAt: at(OLD, 20) });
    await snapshotRun(s.crmLatestFull, {
      connector: 'crm',
      mode: 'full',
      status: 'complete',
      queuedAt: at(OLD, 30),
      rows: 100,
    });
    // An old incremental that reached further than the recent one: where the next extract resumes.
    await snapshotRun(s.crmHighWatermark, {
      connector: 'crm',
      mode: 'incremental',
      status: 'complete',
      queuedAt: at(OLD, 40),
      rows: 5,
      watermark: '2026-11-28T00:00:00Z',
    });
    await snapshotRun(s.crmIncremental, {
      connector: 'crm',
      mode: 'incremental',
      status: 'complete',
      queuedAt: RECENT,
      rows: 3,
      watermark: '2026-11-27T00:00:00Z',
    });
    // Targeted (some keys): never the pair's latest full-scope run.
    await snapshotRun(s.crmTargeted, {
      connector: 'crm',
      mode: 'incremental',
      status: 'complete',
      queuedAt: at(OLD, 50),
      rows: 1,
      keys: ['C1'],
    });
    await snapshotRun(s.crmRetry, {
      connector: 'crm',
      mode: 'full',
      status: 'queued',
      queuedAt: RECENT,
      replaces: s.crmFailedPurged,
    });
    // ERP: only old runs; the latest stays.
    await snapshotRun(s.erpFirst, { connector: 'erp', mode: 'full', status: 'complete', queuedAt: OLD, rows: 50 });
    await snapshotRun(s.erpLatest, {
      connector: 'erp',
      mode: 'full',
      status: 'complete',
      queuedAt: at(OLD, 30),
      rows: 50,
    });

    await fx.dataSource.query(
      `INSERT INTO alert_deliveries (alert_key, action, channel, status, created_at)
       VALUES ('a', 'open', 'slack', 'sent', $1), ('a', 'update', 'slack', 'sent', $2)`,
      [OLD, RECENT],
    );
    await fx.dataSource.query(
      `INSERT INTO audit_log (at, actor, action, subject_type) VALUES
         ($1, 'webhook:wms', 'connector.event', 'connector'),
         ($1, 'webhook:wms', 'connector.event.duplicate', 'connector'),
         ($2, 'webhook:wms', 'connector.event', 'connector'),
         ($1, 'api-key:abc', 'finding.suppress', 'finding')`,
      [OLD, RECENT],
    );

    const metrics = new MetricsRepository(fx.dataSource);
    const before = await metrics.figures();
    const outcome = await service().apply(AT);

    expect(await ids('reconciliation_runs')).toEqual([r.oldFull, r.stuck, r.recent].sort());
    expect(await ids('snapshot_runs')).toEqual(
      [s.crmFailedUnpurged, s.crmLatestFull, s.crmHighWatermark, s.crmIncremental, s.crmRetry, s.erpLatest].sort(),
    );
    const [retry] = await fx.dataSource.query<{ replaces_run_id: string | null }[]>(
      `SELECT replaces_run_id FROM snapshot_runs WHERE id = $1`,
      [s.crmRetry],
    );
    expect(retry?.replaces_run_id).toBeNull();
    const deliveries = await fx.dataSource.query<{ action: string }[]>(`SELECT action FROM alert_deliveries`);
    expect(deliveries.map((d) => d.action)).toEqual(['update']);
    const audit = await fx.dataSource.query<{ action: string; old: boolean }[]>(
      `SELECT action, at < $1 AS old FROM audit_log WHERE action <> 'retention.prune' ORDER BY id`,
      [RECENT.slice(0, 10)],
    );
    // The recent event's entry, and a person's action (kept forever by default).
    expect(audit).toEqual([
      { action: 'connector.event', old: false },
      { action: 'finding.suppress', old: true },
    ]);
    expect(outcome.pruned).toEqual({
      reconciliation_runs: 2,
      snapshot_runs: 4,
      alert_deliveries: 1,
      'audit_log:connector-events': 2,
    });

    // The metrics' totals count the deleted runs still.
    const after = await metrics.figures();
    const sorted = <T>(rows: T[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sorted(after.snapshotRuns)).toEqual(sorted(before.snapshotRuns));
    expect(sorted(after.reconciliationRuns)).toEqual(sorted(before.reconciliationRuns));

    const [entry] = await fx.dataSource.query<{ actor: string; after: { deleted: Record<string, number> } }[]>(
      `SELECT actor, after FROM audit_log WHERE action = 'retention.prune'`,
    );
    expect(entry?.actor).toBe('system:retention');
    expect(entry?.after.deleted).toEqual(outcome.pruned);

    // A second pass finds nothing more to delete, and writes no audit entry.
    const again = await service().apply(AT);
    expect(Object.values(again.pruned).every((n) => n === 0)).toBe(true);
    const entries = await fx.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::integer AS n FROM audit_log WHERE action = 'retention.prune'`,
    );
    expect(entries[0]?.n).toBe(1);
  });

  it('finds the runs that name a deleted run as replaced through an index, not a scan per deleted row', async () => {
    // Without it, deleting 50 runs of 4M took 19.5 s (the foreign key's lookup scanned the table per
    // row); with it, 5,000 took 93 ms (migration 0020).
    const indexes = await fx.dataSource.query<{ indexdef: string }[]>(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'snapshot_runs'`,
    );
    expect(indexes.map((i) => i.indexdef).filter((d) => /\(replaces_run_id\)/.test(d))).toHaveLength(1);
  });

  it('deletes the rest of the audit log only past its own retention, and nothing when retention is 0', async () => {
    await fx.dataSource.query(
      `INSERT INTO audit_log (at, actor, action, subject_type) VALUES ('2025-01-10T00:00:00Z', 'api-key:abc', 'api-key.create', 'api_key')`,
    );
    const count = async () =>
      (await fx.dataSource.query<{ n: number }[]>(`SELECT count(*)::integer AS n FROM audit_log`))[0]?.n;
    const all = await count();
    const kept = await service({ RUN_HISTORY_RETENTION_DAYS: '0' }).apply(AT);
    expect(kept.pruned).toEqual({});
    expect(await count()).toBe(all);

    const pruned = await service({ RUN_HISTORY_RETENTION_DAYS: '0', AUDIT_LOG_RETENTION_DAYS: '400' }).apply(AT);
    expect(pruned.pruned).toEqual({ audit_log: 1 });
    const left = await fx.dataSource.query<unknown[]>(`SELECT action FROM audit_log WHERE at < '2025-11-01'`);
    expect(left).toEqual([]);
  });
});
