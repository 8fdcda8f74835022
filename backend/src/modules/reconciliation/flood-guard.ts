/**
 * The flood guard: a partial or failed snapshot, or a full snapshot whose row count fell sharply,
 * would make presence rules report thousands of "missing" records that are not missing. Such a
 * (system, entity) is held: its presence rules do not run and one suspicious-snapshot finding says why.
 */
import type { EntityKind } from '@driftwatch/reconciliation-rules';
import type { SnapshotHold } from './reconciliation.dto';

export interface SnapshotHealth {
  system: string;
  entity: EntityKind;
  /** The latest finished (complete, partial or failed) non-targeted snapshot run, if any. */
  latestRun: { id: string; status: string; error: string | null } | null;
  /** The last complete full snapshots, newest first (at most two are looked at). */
  fullSnapshots: { snapshotId: string; rowCount: number; completedAt: Date }[];
}

export const SUSPICIOUS_SNAPSHOT_RULE = 'driftwatch.suspicious-snapshot';
/** The built-in guard's version: its findings' rule_version, so a run resolves them rather than retiring them. */
export const SUSPICIOUS_SNAPSHOT_RULE_VERSION = 1;

export function assessSnapshots(health: readonly SnapshotHealth[], maxRowDrop: number): SnapshotHold[] {
  const holds: SnapshotHold[] = [];
  for (const h of health) {
    const run = h.latestRun;
    if (run && (run.status === 'partial' || run.status === 'failed')) {
      holds.push({
        system: h.system,
        entity: h.entity,
        reason: run.status === 'partial' ? 'latest_snapshot_partial' : 'latest_snapshot_failed',
        snapshotId: run.id,
        message: `the latest ${h.system} ${h.entity} snapshot is ${run.status}${run.error ? `: ${run.error}` : ''}`,
      });
      continue;
    }
    const [latest, previous] = h.fullSnapshots;
    if (latest && previous && previous.rowCount > 0) {
      const drop = (previous.rowCount - latest.rowCount) / previous.rowCount;
      if (drop > maxRowDrop) {
        holds.push({
          system: h.system,
          entity: h.entity,
          reason: 'row_count_drop',
          snapshotId: latest.snapshotId,
          rowCount: latest.rowCount,
          previousRowCount: previous.rowCount,
          message:
            `${h.system} ${h.entity} rows fell from ${previous.rowCount} to ${latest.rowCount} ` +
            `(${Math.round(drop * 100)}%, more than the allowed ${Math.round(maxRowDrop * 100)}%)`,
        });
      }
    }
  }
  return holds;
}
