import { formatCount, formatDateTime, formatDuration } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { useSnapshotRuns } from '../hooks/use-connectors';

/** The latest snapshot runs of every connector. */
export function SnapshotRunsTable() {
  const query = useSnapshotRuns();
  return (
    <QueryState query={query} label="snapshot runs" isEmpty={(runs) => runs.length === 0}>
      {(runs) => (
        <div className="table-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Snapshot</th>
                <th scope="col">Status</th>
                <th scope="col">Trigger</th>
                <th scope="col" className="num">
                  Rows read
                </th>
                <th scope="col" className="num">
                  Rejects
                </th>
                <th scope="col">Started</th>
                <th scope="col" className="num">
                  Took
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <span className="system-tag">{r.connectorId}</span> {r.entity}{' '}
                    <span className="muted">({r.mode})</span>
                  </th>
                  <td>
                    <StatusBadge value={r.status} />
                    {r.error && <div className="error-text">{r.error}</div>}
                  </td>
                  <td>{r.trigger}</td>
                  <td className="num">{formatCount(r.rowsRead)}</td>
                  <td className="num">{formatCount(r.rejects)}</td>
                  <td>{formatDateTime(r.startedAt ?? r.queuedAt)}</td>
                  <td className="num">{formatDuration(r.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </QueryState>
  );
}
