import type { Env } from '../../config/env.schema';
import { ENTITY_KINDS } from '../../connectors/canonical-model';

/**
 * A ClickHouse table whose history is dropped a month at a time. Every one is `PARTITION BY
 * toYYYYMM(<time>)` (migrations 0001 and 0002), so a partition id is its month and no row in it is
 * newer than the month's end: dropping whole partitions needs no scan and works alike on 18.16 and
 * modern servers (TTL does not exist on 18.16).
 */
export interface RetainedTable {
  table: string;
  days: number;
  /** Snapshot rows: partitions holding a snapshot that reads still use are kept (protectedSnapshotIds). */
  snapshots: boolean;
}

/** What the retention pass looks at, with the configured days (0 = keep forever: left out). */
export function retainedTables(
  env: Pick<Env, 'SNAPSHOT_RETENTION_DAYS' | 'FINDINGS_HISTORY_RETENTION_DAYS' | 'ENTITY_EVENTS_RETENTION_DAYS'>,
): RetainedTable[] {
  const tables: RetainedTable[] = [
    ...ENTITY_KINDS.map((entity) => ({
      table: `snapshot_${entity}`,
      days: env.SNAPSHOT_RETENTION_DAYS,
      snapshots: true,
    })),
    { table: 'rejected_records', days: env.SNAPSHOT_RETENTION_DAYS, snapshots: false },
    { table: 'findings_history', days: env.FINDINGS_HISTORY_RETENTION_DAYS, snapshots: false },
    { table: 'entity_events', days: env.ENTITY_EVENTS_RETENTION_DAYS, snapshots: false },
  ];
  return tables.filter((t) => t.days > 0);
}

const MONTH_ID = /^(\d{4})(0[1-9]|1[0-2])$/;
// toYYYYMM uses the server's time zone; a day's margin covers every zone.
const ZONE_MARGIN_MS = 86_400_000;

/**
 * Whether every row of the month partition `partitionId` (e.g. `202501`) is older than `cutoff`.
 * A partition id that is not a month is never dropped.
 */
export function partitionOlderThan(partitionId: string, cutoff: Date): boolean {
  const month = MONTH_ID.exec(partitionId);
  if (!month) return false;
  const end = Date.UTC(Number(month[1]), Number(month[2]), 1);
  return end + ZONE_MARGIN_MS <= cutoff.getTime();
}

/** `at` minus `days` whole days. */
export function cutoffOf(at: Date, days: number): Date {
  return new Date(at.getTime() - days * 86_400_000);
}
