import { formatCount, formatDateTime, formatDuration } from '../../../ui/formatting';
import { StatusBadge } from '../../../ui/status-badge';
import type { ConnectorStatus } from '../hooks/use-connectors';

const FRESHNESS_TONE: Record<string, string> = {
  fresh: 'complete',
  stale: 'failed',
  never: 'partial',
  unscheduled: 'queued',
};

/** One connector: health, and per entity the last complete snapshot, freshness and throughput. */
export function ConnectorCard({ connector }: { connector: ConnectorStatus }) {
  const { health } = connector;
  return (
    <section className="panel" aria-labelledby={`connector-${connector.id}`}>
      <div className="card-head">
        <h2 id={`connector-${connector.id}`}>
          <span className="system-tag">{connector.id}</span> {connector.kind}
        </h2>
        <span className={`badge ${health.up ? 'badge-good' : 'badge-bad'}`} title={health.detail}>
          {health.up ? `up · ${health.latencyMs} ms` : `down${health.detail ? `: ${health.detail}` : ''}`}
        </span>
      </div>
      <p className="muted">
        {connector.incremental ? 'incremental extracts' : 'full extracts only'}
        {connector.changeEvents ? ' · change events' : ''}
        {connector.changeStream ? ' · change stream' : ''}
        {connector.writableEntities.length ? ` · writes ${connector.writableEntities.join(', ')}` : ' · read-only'}
      </p>
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Entity</th>
              <th scope="col">Freshness</th>
              <th scope="col">Last complete snapshot</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col" className="num">
                Throughput
              </th>
              <th scope="col">Schedule</th>
            </tr>
          </thead>
          <tbody>
            {connector.snapshots.map((s) => (
              <tr key={s.entity}>
                <th scope="row">{s.entity}</th>
                <td>
                  <span className={`badge badge-${toneClass(FRESHNESS_TONE[s.freshness])}`}>{s.freshness}</span>
                  {s.ageSeconds !== null && <div className="muted">{formatDuration(s.ageSeconds * 1000)} old</div>}
                </td>
                <td>
                  {s.lastComplete ? (
                    <>
                      {formatDateTime(s.lastComplete.finishedAt)} <span className="muted">({s.lastComplete.mode})</span>
                    </>
                  ) : (
                    <span className="muted">never</span>
                  )}
                  {s.lastFinished && s.lastFinished.status !== 'complete' && (
                    <div>
                      latest run <StatusBadge value={s.lastFinished.status} /> {s.lastFinished.error}
                    </div>
                  )}
                </td>
                <td className="num">{s.lastComplete ? formatCount(s.lastComplete.rowsWritten) : '—'}</td>
                <td className="num">
                  {s.throughputRowsPerS === null ? '—' : `${formatCount(Math.round(s.throughputRowsPerS))} rows/s`}
                </td>
                <td className="mono">
                  {s.schedules.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    s.schedules.map((x) => `${x.mode}: ${x.cron}`).join('; ')
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function toneClass(status: string | undefined): string {
  switch (status) {
    case 'complete':
      return 'good';
    case 'failed':
      return 'bad';
    case 'partial':
      return 'warn';
    default:
      return 'muted';
  }
}
