import { formatCount, formatDuration } from '../../../ui/formatting';
import { StatusBadge } from '../../../ui/status-badge';
import { useSnapshotProgress } from '../hooks/use-snapshot-progress';
import { ProgressBar } from './progress-bar';

/** Running snapshots with live progress bars (server-sent events). */
export function LiveProgress() {
  const { runs, error, connected } = useSnapshotProgress();
  const shown = runs.slice(-12);
  return (
    <>
      <p className="muted" role="status">
        {error
          ? `Live progress unavailable: ${error} (retrying)`
          : connected
            ? 'Live: listening for snapshot progress.'
            : 'Live: idle, reconnecting shortly.'}
      </p>
      {shown.length === 0 ? (
        <p className="empty">No snapshot is running.</p>
      ) : (
        <ul className="progress-list" aria-label="Snapshot progress">
          {shown.map((run) => (
            <li key={run.runId}>
              <div className="progress-head">
                <span>
                  <span className="system-tag">{run.connectorId}</span> {run.entity} · {run.mode}
                </span>
                <StatusBadge value={run.status} />
              </div>
              <ProgressBar percent={run.percent} label={`${run.connectorId} ${run.entity} snapshot`} />
              <div className="muted progress-figures">
                {formatCount(run.rowsRead)}
                {run.total !== null ? ` of ${formatCount(run.total)}` : ''} rows · {formatCount(run.rowsPerS)} rows/s ·{' '}
                {formatDuration(run.elapsedMs)}
                {run.etaS !== null && run.etaS > 0 && run.status === 'running'
                  ? ` · about ${formatDuration(run.etaS * 1000)} left`
                  : ''}
                {run.rejects > 0 ? ` · ${formatCount(run.rejects)} rejected` : ''}
                {run.error ? ` · ${run.error}` : ''}
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
