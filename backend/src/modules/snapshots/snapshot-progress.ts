import type { SnapshotRunEntity } from './snapshot-run.entity';
import type { SnapshotProgress } from './snapshot.dto';

/** A run's progress figures (rate, percent, ETA), from its row. */
export function progressOf(run: SnapshotRunEntity, now: Date = new Date()): SnapshotProgress {
  const end = run.finishedAt ?? now;
  const elapsedMs = run.startedAt ? Math.max(0, end.getTime() - run.startedAt.getTime()) : 0;
  const rowsPerS = run.rowsPerS ?? (elapsedMs > 0 ? (run.rowsRead / elapsedMs) * 1000 : 0);
  const total = run.total;
  const percent =
    run.status === 'complete' ? 100 : total && total > 0 ? Math.min(100, (run.rowsRead / total) * 100) : null;
  const etaS =
    run.status === 'running' && total && total > 0 && rowsPerS > 0
      ? Math.max(0, (total - run.rowsRead) / rowsPerS)
      : run.status === 'complete'
        ? 0
        : null;
  return {
    runId: run.id,
    connectorId: run.connectorId,
    entity: run.entity,
    mode: run.mode,
    status: run.status,
    rowsRead: run.rowsRead,
    rowsWritten: run.rowsWritten,
    rejects: run.rejects,
    elapsedMs,
    rowsPerS: Math.round(rowsPerS),
    total,
    percent: percent === null ? null : Math.round(percent * 10) / 10,
    etaS: etaS === null ? null : Math.round(etaS),
    error: run.error,
  };
}
