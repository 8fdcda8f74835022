import { Injectable } from '@nestjs/common';
import { DEFAULT_MATCH_FIELD } from '@driftwatch/reconciliation-rules';
import { ClickHouseService } from '../../clickhouse/clickhouse.service';
import { ident, sql, uint } from '../../clickhouse/sql';
import type { EntityKind } from '../../connectors/canonical-model';

/** The records other systems hold for the records of one snapshot, per system. */
export interface CompanionKeys {
  system: string;
  keys: string[];
}

/** Companion reads' ClickHouse lookup (see SnapshotCompanionsService). */
@Injectable()
export class SnapshotCompanionsRepository {
  constructor(private readonly clickhouse: ClickHouseService) {}

  /**
   * The keys, in every system but `system`, of the records a run compares with the records of snapshot
   * `snapshotId`: those sharing a default match key with one of them, and those a confirmed crosswalk
   * link ties to one of them. At most `limit` keys per system. Old versions in the current state count
   * too (no FINAL): reading a record again whose match key has since moved costs one keyed read.
   */
  async keysElsewhere(entity: EntityKind, system: string, snapshotId: string, limit: number): Promise<CompanionKeys[]> {
    const match = ident(DEFAULT_MATCH_FIELD[entity]);
    const snapshot = ident(`snapshot_${entity}`);
    const current = ident(`current_${entity}`);
    const rows = await this.clickhouse.query<{ system: string; keys: string[] }>(
      sql`SELECT system, arraySlice(groupUniqArray(entity_key), 1, ${uint(limit)}) AS keys FROM (
          SELECT system, entity_key FROM ${current}
          WHERE deleted = 0 AND system != ${system}
            AND ${match} IN (SELECT ${match} FROM ${snapshot}
              WHERE system = ${system} AND snapshot_id = ${snapshotId} AND ${match} != '')
          UNION ALL
          SELECT system, entity_key FROM crosswalk FINAL
          WHERE entity = ${entity} AND deleted = 0 AND system != ${system}
            AND global_id IN (SELECT global_id FROM crosswalk FINAL
              WHERE entity = ${entity} AND deleted = 0 AND system = ${system}
                AND entity_key IN (SELECT entity_key FROM ${snapshot}
                  WHERE system = ${system} AND snapshot_id = ${snapshotId}))
        ) GROUP BY system ORDER BY system`,
      { tag: 'snapshots.companions.keys' },
    );
    return rows.map((r) => ({ system: r.system, keys: [...r.keys].sort() }));
  }
}
