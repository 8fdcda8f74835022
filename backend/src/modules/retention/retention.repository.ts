import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { ident, list, sql } from '../../clickhouse/sql';

export interface TablePartition {
  partitionId: string;
  rows: number;
  bytes: number;
}

const MUTATION_WAIT_MS = 60_000;

/** Every read and write of the retention pass: ClickHouse partitions and catalog, Postgres snapshot runs. */
@Injectable()
export class RetentionRepository {
  /** Snapshot ids per statement (~80 KiB of SQL at 2,000). */
  idsPerStatement = 2000;

  constructor(
    private readonly clickhouse: ClickHouseService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The table's active partitions with their rows and bytes, summed over the shards of a cluster. */
  async partitions(table: string): Promise<TablePartition[]> {
    const rows = await this.clickhouse.queryOnShards<{ partition_id: string; rows: string; bytes: string }>(
      sql`SELECT partition_id, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
        WHERE database = currentDatabase() AND table = ${table} AND active GROUP BY partition_id`,
      { tag: 'retention.partitions' },
    );
    const byId = new Map<string, TablePartition>();
    for (const r of rows) {
      const known = byId.get(r.partition_id) ?? { partitionId: r.partition_id, rows: 0, bytes: 0 };
      known.rows += Number(r.rows);
      known.bytes += Number(r.bytes);
      byId.set(r.partition_id, known);
    }
    return [...byId.values()].sort((a, b) => a.partitionId.localeCompare(b.partitionId));
  }

  /**
   * Snapshots that reads still use, whatever their age: per system and entity the latest complete
   * snapshot, the two latest complete full snapshots (a whole-state read and the flood guard's
   * comparison) and every snapshot completed since the older one started (the overlays of
   * incrementals), plus every snapshot run not yet over (its rows are written before it is catalogued).
   */
  async protectedSnapshotIds(): Promise<string[]> {
    // One read of the catalog: each pair's snapshots since its second-latest full one started, and
    // its latest snapshot of any mode (freshness and connector status read it).
    const catalogued = await this.clickhouse.query<{ snapshot_id: string }>(
      sql`SELECT snapshot_id FROM (
          SELECT system, entity, snapshot_id, completed_at FROM snapshot_catalog FINAL
        ) ALL INNER JOIN (
          SELECT system, entity, min(started_at) AS since FROM (
            SELECT system, entity, started_at FROM snapshot_catalog FINAL WHERE mode = 'full'
            ORDER BY system, entity, completed_at DESC LIMIT 2 BY system, entity
          ) GROUP BY system, entity
        ) USING (system, entity)
        WHERE completed_at >= since
        UNION ALL
        SELECT argMax(snapshot_id, completed_at) AS snapshot_id FROM snapshot_catalog FINAL GROUP BY system, entity`,
      { tag: 'retention.catalog.protected' },
    );
    const ids = new Set<string>(catalogued.map((r) => r.snapshot_id));
    const running = await this.dataSource.query<{ id: string }[]>(
      `SELECT id::text AS id FROM snapshot_runs WHERE status IN ('queued', 'running')`,
    );
    for (const r of running) ids.add(r.id);
    return [...ids].sort();
  }

  /** Month partitions of a snapshot-schema table that hold rows of these snapshots. */
  async partitionsHolding(table: string, snapshotIds: readonly string[]): Promise<string[]> {
    const found = new Set<string>();
    for (const ids of this.batches(snapshotIds)) {
      const rows = await this.clickhouse.queryOnShards<{ partition_id: string }>(
        sql`SELECT DISTINCT toString(toYYYYMM(captured_at)) AS partition_id FROM ${ident(table)}
          WHERE snapshot_id IN ${list(ids)}`,
        { tag: 'retention.protected.partitions' },
      );
      for (const r of rows) found.add(r.partition_id);
    }
    return [...found];
  }

  /** Snapshots with rows in these month partitions of a snapshot-schema table. */
  async snapshotsIn(table: string, partitionIds: readonly string[]): Promise<string[]> {
    if (partitionIds.length === 0) return [];
    const rows = await this.clickhouse.queryOnShards<{ snapshot_id: string }>(
      sql`SELECT DISTINCT snapshot_id FROM ${ident(table)}
        WHERE toString(toYYYYMM(captured_at)) IN ${list([...partitionIds])}`,
      { tag: 'retention.partition.snapshots' },
    );
    return [...new Set(rows.map((r) => r.snapshot_id))];
  }

  /**
   * Takes snapshots out of the catalog, and waits for that mutation, so that no read picks a snapshot
   * whose rows are about to go (ClickHouse 18.16 has no synchronous mutations).
   */
  async forgetSnapshots(snapshotIds: readonly string[]): Promise<void> {
    if (snapshotIds.length === 0) return;
    for (const ids of this.batches(snapshotIds)) {
      await this.clickhouse.commandOnShards(
        sql`ALTER TABLE snapshot_catalog DELETE WHERE snapshot_id IN ${list(ids)}`,
        {
          tag: 'retention.catalog.forget',
        },
      );
    }
    const deadline = Date.now() + MUTATION_WAIT_MS;
    for (;;) {
      const pending = await this.clickhouse.queryOnShards<{ n: string }>(
        sql`SELECT count() AS n FROM system.mutations
          WHERE database = currentDatabase() AND table = 'snapshot_catalog' AND is_done = 0`,
        { tag: 'retention.catalog.mutations' },
      );
      if (pending.every((p) => Number(p.n) === 0)) return;
      if (Date.now() > deadline) throw new Error('the snapshot catalog mutation did not finish within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Ids in statements of at most idsPerStatement each: a month of five-minute incrementals is tens of
   * thousands of snapshots, past ClickHouse's max_query_size (256 KiB) as one IN list.
   */
  private *batches(ids: readonly string[]): Generator<string[]> {
    for (let start = 0; start < ids.length; start += this.idsPerStatement) {
      yield ids.slice(start, start + this.idsPerStatement);
    }
  }

  async dropPartition(table: string, partitionId: string): Promise<void> {
    await this.clickhouse.commandOnShards(sql`ALTER TABLE ${ident(table)} DROP PARTITION ID ${partitionId}`, {
      tag: 'retention.drop',
    });
  }
}
