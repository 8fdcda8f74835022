import { useState } from 'react';
import { formatCount, formatDateTime, formatDuration } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { SNAPSHOT_RUN_STATUSES, useSnapshotRuns, type SnapshotRunStatus } from '../hooks/use-connectors';

/** The latest snapshot runs, of every connector or of the one and in the status chosen. */
export function SnapshotRunsTable({ connectorIds }: { connectorIds: string[] }) {
  const [connectorId, setConnectorId] = useState('');
  const [status, setStatus] = useState<SnapshotRunStatus | ''>('');
  const query = useSnapshotRuns({ connectorId: connectorId || undefined, status: status || undefined });
  return (
    <>
      <div className="toolbar" role="group" aria-label="Filter snapshot runs">
        <label className="field">
          <span>Runs of</span>
          <select value={connectorId} onChange={(e) => setConnectorId(e.target.value)}>
            <option value="">all</option>
            {connectorIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>In status</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as SnapshotRunStatus | '')}>
            <option value="">any</option>
            {SNAPSHOT_RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <SnapshotRuns query={query} />
    </>
  );
}

function SnapshotRuns({ query }: { query: ReturnType<typeof useSnapshotRuns> }) {
  return (
    <QueryState
      query={query}
      label="snapshot runs"
      isEmpty={(runs) => runs.length === 0}
      emptyText="No snapshot runs match."
    >
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
