import { Injectable } from '@nestjs/common';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { sql } from '../../clickhouse/sql';

/** Records of one system and entity in its latest complete full snapshot. */
export interface RecordCount {
  system: string;
  entity: string;
  records: number;
  snapshotId: string;
  completedAt: string;
}

/** The denominators of drift rates: row counts of the latest complete full snapshots (ClickHouse catalog). */
@Injectable()
export class RecordCountsRepository {
  constructor(private readonly clickhouse: ClickHouseService) {}

  async latestFullSnapshotCounts(): Promise<RecordCount[]> {
    const rows = await this.clickhouse.query<{
      system: string;
      entity: string;
      row_count: string;
      snapshot_id: string;
      completed_s: number;
    }>(
      sql`SELECT system, entity, argMax(row_count, completed_at) AS row_count, argMax(snapshot_id, completed_at) AS snapshot_id,
          toUInt32(max(completed_at)) AS completed_s
        FROM snapshot_catalog FINAL WHERE mode = 'full' GROUP BY system, entity ORDER BY system, entity`,
      { tag: 'dashboard.catalog.counts' },
    );
    return rows.map((r) => ({
      system: r.system,
      entity: r.entity,
      records: Number(r.row_count),
      snapshotId: r.snapshot_id,
      completedAt: new Date(Number(r.completed_s) * 1000).toISOString(),
    }));
  }
}
