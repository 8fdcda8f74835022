/**
 * The retention pass against real ClickHouse and Postgres: month partitions older than the retention
 * are dropped, except those holding a snapshot that reads still use; dropped snapshots leave the
 * catalog; the pass is audited, and a reconciliation run afterwards still reads what it needs.
 */
import { randomUUID } from 'node:crypto';
import { raw, sql } from '../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../backend/src/config/config.service';
import { SecretRedactor } from '../../../backend/src/http/secret-redaction';
import { AuditRepository } from '../../../backend/src/modules/audit/audit.repository';
import { AuditService } from '../../../backend/src/modules/audit/audit.service';
import { ClosedFindingsRepository } from '../../../backend/src/modules/retention/closed-findings.repository';
import { RetentionRepository } from '../../../backend/src/modules/retention/retention.repository';
import { RetentionService } from '../../../backend/src/modules/retention/retention.service';
import { RunHistoryRepository } from '../../../backend/src/modules/retention/run-history.repository';
import { customers, ReconciliationFixture } from '../reconciliation/support/reconciliation-fixture';

const AT = new Date('2026-11-30T03:17:00Z');
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('retention of ClickHouse history (ClickHouse + Postgres)', () => {
  let fx: ReconciliationFixture;
  const service = (env: Record<string, string> = {}) =>
    new RetentionService(
      // One snapshot id per statement: the batching a month of incrementals needs, exercised here.
      Object.assign(new RetentionRepository(fx.clickhouse, fx.dataSource), { idsPerStatement: 1 }),
      new RunHistoryRepository(fx.dataSource),
      new ClosedFindingsRepository(fx.dataSource),
      new ConfigService({ ...process.env, ...env }),
      new AuditService(new AuditRepository(fx.dataSource), new SecretRedactor()),
    );
  const partitions = async (table: string) =>
    (
      await fx.clickhouse.query<{ p: string }>(
        sql`SELECT DISTINCT partition_id AS p FROM system.parts
          WHERE database = currentDatabase() AND table = ${table} AND active ORDER BY p`,
        { tag: 'test.partitions' },
      )
    ).map((r) => r.p);
  const catalogued = async () =>
    (
      await fx.clickhouse.query<{ id: string }>(sql`SELECT snapshot_id AS id FROM snapshot_catalog FINAL`, {
        tag: 'test.catalog',
      })
    )
      .map((r) => r.id)
      .sort();
  const audited = async () =>
    fx.dataSource.query<
      { actor: string; after: { tables: { table: string; dropped: { partitionId: string }[] }[] } }[]
    >(`SELECT actor, after FROM audit_log WHERE action = 'retention.drop' ORDER BY id`);

  beforeAll(async () => {
    fx = await ReconciliationFixture.create();
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('drops old months but keeps every snapshot reads still use, and forgets what it dropped', async () => {
    const erp = customers(20);
    // ERP: an old full snapshot, superseded by two recent ones.
    const erpOld = await fx.completeSnapshot('erp', erp, 'full', { at: day('2026-01-15') });
    const erpFull = await fx.completeSnapshot('erp', erp, 'full', { at: day('2026-11-01') });
    const erpLatest = await fx.completeSnapshot('erp', erp, 'full', { at: day('2026-11-20') });
    // CRM: not snapshotted in full since February; that snapshot and the incremental after it are its state.
    const crmFull = await fx.completeSnapshot('crm', erp.slice(0, 18), 'full', { at: day('2026-02-10') });
    const crmIncremental = await fx.completeSnapshot('crm', erp.slice(0, 2), 'incremental', {
      at: day('2026-02-12'),
    });
    // WMS: incrementals only, no full snapshot to anchor them: the latest is kept, an old one is not.
    const wmsOld = await fx.completeSnapshot('wms', erp.slice(0, 3), 'incremental', { at: day('2026-01-20') });
    const wmsLatest = await fx.completeSnapshot('wms', erp.slice(0, 1), 'incremental', { at: day('2026-11-25') });
    // A snapshot still running, whose rows were written in March (not catalogued yet).
    const running = randomUUID();
    await fx.dataSource.query(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, queued_at, started_at)
       VALUES ($1, 'support', 'customer', 'full', 'schedule', 'running', $2, $2)`,
      [running, day('2026-03-05')],
    );
    await fx.clickhouse.command(
      sql`INSERT INTO snapshot_customer (system, entity_key, snapshot_id, captured_at, source_updated_at, customer_number)
        VALUES ('support', 'support-C1', ${running}, toDateTime('2026-03-05 12:00:00'), toDateTime('2026-03-05 12:00:00'), 'C1')`,
      { tag: 'test.running' },
    );
    await fx.clickhouse.command(
      raw(`INSERT INTO findings_history (run_id, rule_id, found_at) VALUES
        ('r-old', 'customer.presence', toDateTime('2026-09-15 00:00:00')),
        ('r-new', 'customer.presence', toDateTime('2026-11-29 00:00:00'))`),
      { tag: 'test.history' },
    );
    await fx.clickhouse.command(
      raw(`INSERT INTO entity_events (system, entity, entity_key, match_key, field, value, occurred_at, captured_at) VALUES
        ('erp', 'order', 'erp-O1', 'O1', 'status', 'shipped', toDateTime('2025-08-01 00:00:00'), toDateTime('2025-08-01 00:00:00')),
        ('erp', 'order', 'erp-O2', 'O2', 'status', 'shipped', toDateTime('2026-06-01 00:00:00'), toDateTime('2026-06-01 00:00:00'))`),
      { tag: 'test.events' },
    );
    await fx.clickhouse.command(
      raw(`INSERT INTO rejected_records (system, entity, entity_key, snapshot_id, reason, rejected_at) VALUES
        ('erp', 'customer', 'erp-X', '${erpOld}', 'bad', toDateTime('2026-01-15 12:00:00'))`),
      { tag: 'test.rejects' },
    );
    expect(await partitions('snapshot_customer')).toEqual(['202601', '202602', '202603', '202611']);

    const outcome = await service().apply(AT);

    expect(await partitions('snapshot_customer')).toEqual(['202602', '202603', '202611']);
    const customerTable = outcome.tables.find((t) => t.table === 'snapshot_customer');
    expect(customerTable?.dropped.map((p) => [p.partitionId, p.rows])).toEqual([['202601', 23]]);
    expect(customerTable?.kept).toEqual(['202602', '202603']);
    expect(await catalogued()).toEqual([erpFull, erpLatest, crmFull, crmIncremental, wmsLatest].sort());
    expect(outcome.forgottenSnapshots).toBe(2);
    expect([erpOld, wmsOld].every((id) => !outcome.tables.some((t) => t.kept.includes(id)))).toBe(true);
    expect(await partitions('findings_history')).toEqual(['202611']);
    expect(await partitions('entity_events')).toEqual(['202606']);
    expect(await partitions('rejected_records')).toEqual([]);
    const [entry] = await audited();
    expect(entry.actor).toBe('system:retention');
    expect(entry.after.tables.flatMap((t) => t.dropped.map((p) => `${t.table}/${p.partitionId}`)).sort()).toEqual([
      'entity_events/202508',
      'findings_history/202609',
      'rejected_records/202601',
      'snapshot_customer/202601',
    ]);

    // The next pass finds nothing more to drop and records nothing.
    const again = await service().apply(AT);
    expect(again.tables.flatMap((t) => t.dropped)).toEqual([]);
    expect(await audited()).toHaveLength(1);

    // Reconciliation still reads the ERP's and the CRM's current state.
    const run = await fx.service.run({ trigger: 'api', ruleIds: ['customer.test-presence'] });
    expect(run.status).toBe('complete');
    expect(run.ruleCounts['customer.test-presence']).toMatchObject({ status: 'ran', findings: 2 });
  });

  it('keeps everything a zero retention covers', async () => {
    await fx.clickhouse.command(
      raw(
        `INSERT INTO findings_history (run_id, rule_id, found_at) VALUES ('r-2024', 'x', toDateTime('2024-01-01 00:00:00'))`,
      ),
      { tag: 'test.history' },
    );
    const outcome = await service({
      SNAPSHOT_RETENTION_DAYS: '0',
      FINDINGS_HISTORY_RETENTION_DAYS: '0',
      ENTITY_EVENTS_RETENTION_DAYS: '0',
    }).apply(AT);
    expect(outcome.tables).toEqual([]);
    expect(await partitions('findings_history')).toContain('202401');
  });
});
