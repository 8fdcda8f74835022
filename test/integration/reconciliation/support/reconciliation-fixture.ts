import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { DEFAULT_OWNERSHIP_FILE } from '@driftwatch/reconciliation-rules';
import { ClickHouseService } from '../../../../backend/src/clickhouse/clickhouse.service';
import { sql } from '../../../../backend/src/clickhouse/sql';
import { ConfigService } from '../../../../backend/src/config/config.service';
import { dataSourceOptions } from '../../../../backend/src/database/data-source';
import { FindingsRepository } from '../../../../backend/src/modules/findings/findings.repository';
import { ReconciliationService } from '../../../../backend/src/modules/reconciliation/reconciliation.service';
import { canonicalColumns } from '../../../../backend/src/modules/snapshots/snapshot-row.mapper';
import { RowBinaryEncoder } from '../../../../backend/src/modules/snapshots/snapshot-row.encoder';
import { SnapshotStoreRepository } from '../../../../backend/src/modules/snapshots/snapshot-store.repository';
import { snapshotTestEnv, type SnapshotTestEnv } from '../../snapshots/support/snapshot-app';
import type { RulePreviewsService } from '../../../../backend/src/modules/reconciliation/rule-previews.service';
import { reconciliationServicesOver } from '../../support/reconciliation-services';

export const TEST_RULES_DIR = join(__dirname, '../rules');

export interface Customer {
  customer_number: string;
  legal_name: string;
}

/**
 * Migrated ClickHouse + Postgres databases of their own, the reconciliation service wired to them,
 * and a way to register complete (or partial) customer snapshots exactly as the snapshot pipeline
 * does: rows into snapshot_customer, current state, deletions, catalog, and a snapshot_runs row.
 */
/** A fixture of its own stores, which also previews rules. */
export type PreviewingFixture = ReconciliationFixture & { readonly previews: RulePreviewsService };

export class ReconciliationFixture {
  private clock = Date.now() - 24 * 3600_000;

  private constructor(
    readonly env: SnapshotTestEnv | null,
    readonly dataSource: DataSource,
    readonly service: ReconciliationService,
    readonly findings: FindingsRepository,
    readonly clickhouse: ClickHouseService,
    private readonly snapshots: SnapshotStoreRepository,
  ) {}

  /** With rule previews (dry-run, backtest) wired as well. */
  static async create(rulesDir = TEST_RULES_DIR): Promise<PreviewingFixture> {
    const env = await snapshotTestEnv({
      RECONCILIATION_RULES_DIR: rulesDir,
      RECONCILIATION_OWNERSHIP_FILE: DEFAULT_OWNERSHIP_FILE,
      RECONCILIATION_MAX_ROW_DROP: '0.2',
    });
    const config = new ConfigService({ ...process.env, ...env.env });
    const dataSource = new DataSource(dataSourceOptions(env.env.DATABASE_URL));
    await dataSource.initialize();
    const findings = new FindingsRepository(dataSource);
    const { service, previews } = reconciliationServicesOver(config, env.clickhouse, dataSource, findings);
    const fixture = new ReconciliationFixture(
      env,
      dataSource,
      service,
      findings,
      env.clickhouse,
      new SnapshotStoreRepository(env.clickhouse),
    );
    return Object.assign(fixture, { previews });
  }

  /** Over the stores of a running application (which owns and closes them). */
  static over(app: {
    clickhouse: ClickHouseService;
    dataSource: DataSource;
    service: ReconciliationService;
    findings: FindingsRepository;
  }): ReconciliationFixture {
    return new ReconciliationFixture(
      null,
      app.dataSource,
      app.service,
      app.findings,
      app.clickhouse,
      new SnapshotStoreRepository(app.clickhouse),
    );
  }

  async close(): Promise<void> {
    if (!this.env) return;
    await this.dataSource.destroy();
    await this.env.cleanup();
  }

  /**
   * Registers a complete customer snapshot of `system`; full snapshots mark absent keys deleted. It
   * starts a minute after the previous one, or `options.at`.
   */
  async completeSnapshot(
    system: string,
    customers: readonly Customer[],
    mode: 'full' | 'incremental' = 'full',
    options: { at?: Date } = {},
  ) {
    const id = randomUUID();
    if (!options.at) this.clock += 60_000;
    const at = options.at ?? new Date(this.clock);
    const seconds = Math.floor(at.getTime() / 1000);
    const blank = Object.fromEntries(canonicalColumns('customer').map((c) => [c, '']));
    const rows = customers.map((c) => ({
      ...blank,
      ...c,
      system,
      entity_key: `${system}-${c.customer_number}`,
      snapshot_id: id,
      captured_at: seconds,
      source_updated_at: seconds,
      raw_excerpt: '',
    }));
    const encoder = new RowBinaryEncoder('customer');
    for (const row of rows) encoder.write(row);
    await this.snapshots.insertRows('customer', Readable.from([encoder.take()], { objectMode: false }));
    await this.snapshots.updateCurrent('customer', system, id, at.getTime());
    if (mode === 'full') await this.snapshots.markDeletions('customer', system, id, at, at.getTime());
    await this.snapshots.addToCatalog({
      snapshotId: id,
      system,
      entity: 'customer',
      // As the snapshot runner catalogues a snapshot of some keys (this one records them below).
      mode: mode === 'incremental' ? 'keyed' : mode,
      rowCount: rows.length,
      rejectCount: 0,
      startedAt: at,
      completedAt: at,
    });
    await this.snapshotRun(
      id,
      system,
      mode,
      'complete',
      at,
      mode === 'incremental' ? customers.map((c) => c.customer_number) : null,
    );
    return id;
  }

  /**
   * A keyed snapshot (a change event's) that asked for these customers and got none: the snapshot
   * pipeline marks them deleted in the current state and catalogues the count (markKeyedDeletions).
   */
  async keyedDeletion(system: string, customerNumbers: readonly string[]): Promise<string> {
    const id = randomUUID();
    this.clock += 60_000;
    const at = new Date(this.clock);
    const keys = customerNumbers.map((n) => `${system}-${n}`);
    const deleted = await this.snapshots.markKeyedDeletions('customer', system, id, keys, at, at.getTime());
    await this.snapshots.addToCatalog({
      snapshotId: id,
      system,
      entity: 'customer',
      mode: 'keyed',
      rowCount: 0,
      rejectCount: 0,
      deletedKeys: deleted,
      startedAt: at,
      completedAt: at,
    });
    await this.snapshotRun(id, system, 'incremental', 'complete', at, keys);
    return id;
  }

  /** A snapshot run that ended partial: its rows never reach the current state or the catalog. */
  async partialSnapshot(system: string): Promise<string> {
    const id = randomUUID();
    this.clock += 60_000;
    await this.snapshotRun(id, system, 'full', 'partial', new Date(this.clock), null);
    return id;
  }

  private async snapshotRun(
    id: string,
    system: string,
    mode: string,
    status: string,
    at: Date,
    keys: string[] | null,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO snapshot_runs (id, connector_id, entity, mode, trigger, status, keys, queued_at, started_at, finished_at)
       VALUES ($1, $2, 'customer', $3, $4, $5, $6::jsonb, $7, $7, $7)`,
      [id, system, mode, keys ? 'event' : 'schedule', status, keys ? JSON.stringify(keys) : null, at],
    );
  }

  async historyRows(): Promise<number> {
    const rows = await this.clickhouse.query<{ n: string }>(sql`SELECT count() AS n FROM findings_history`, {
      tag: 'test.count',
    });
    return Number(rows[0]?.n ?? 0);
  }
}

export const customers = (n: number, name = (i: number) => `Acme ${i}`): Customer[] =>
  Array.from({ length: n }, (_, i) => ({
    customer_number: `C${String(i + 1).padStart(4, '0')}`,
    legal_name: name(i + 1),
  }));
