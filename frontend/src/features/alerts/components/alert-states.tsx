import { useState } from 'react';
import { Link } from 'react-router';
import { formatCount, formatDateTime, formatRelative } from '../../../ui/formatting';
import { QueryState } from '../../../ui/query-state';
import { StatusBadge } from '../../../ui/status-badge';
import { useAlertStates, type AlertState, type AlertStateFilter } from '../hooks/use-alerts';

const EMPTY: Record<AlertStateFilter, string> = {
  firing: 'No alert is firing.',
  resolved: 'No alert has resolved yet.',
  all: 'No alert has fired yet.',
};

/** Alerts as they stand: firing ones first, with what their last Slack message said and who took them. */
export function AlertStates() {
  const [status, setStatus] = useState<AlertStateFilter>('firing');
  const query = useAlertStates(status);
  return (
    <>
      <div className="filter-bar" role="group" aria-label="Filter alerts">
        <label className="field">
          <span>Show</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as AlertStateFilter)}>
            <option value="firing">firing now</option>
            <option value="resolved">resolved</option>
            <option value="all">all</option>
          </select>
        </label>
      </div>
      <QueryState query={query} label="alerts">
        {({ slackConfigured, items }) =>
          items.length === 0 ? (
            <p className="empty">
              {slackConfigured
                ? EMPTY[status]
                : 'Slack is not configured, so no alert is posted or tracked here: each decision is a held delivery in the history below.'}
            </p>
          ) : (
            <AlertStatesTable alerts={items} />
          )
        }
      </QueryState>
    </>
  );
}

function AlertStatesTable({ alerts }: { alerts: AlertState[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">Severity</th>
            <th scope="col">State</th>
            <th scope="col">Channel</th>
            <th scope="col">Findings</th>
            <th scope="col">Fired</th>
            <th scope="col">Message updated</th>
            <th scope="col">Taken by</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <tr key={a.alertKey}>
              <td>
                {a.title ?? a.ruleId}
                <div className="mono muted small">
                  {a.counts ? (
                    <Link to={`/exceptions?ruleId=${encodeURIComponent(a.ruleId)}`}>{a.ruleId}</Link>
                  ) : (
                    a.ruleId
                  )}
                </div>
              </td>
              <td>{a.severity ? <StatusBadge value={a.severity} /> : '—'}</td>
              <td>
                <StatusBadge value={a.status} />
                {a.snoozedUntil && Date.parse(a.snoozedUntil) > Date.now() && (
                  <div className="muted small">snoozed until {formatDateTime(a.snoozedUntil)}</div>
                )}
                {a.escalatedAt && <div className="muted small">escalated {formatRelative(a.escalatedAt)}</div>}
              </td>
              <td>
                <span className="mono">{a.channel}</span>
                {a.messageUrl && (
                  <div className="small">
                    <a href={a.messageUrl} target="_blank" rel="noopener noreferrer">
                      open message
                    </a>
                  </div>
                )}
              </td>
              <td>
                {a.counts
                  ? `${formatCount(a.counts.open)} open, ${formatCount(a.counts.new)} new`
                  : a.facts.map((f) => `${f.label}: ${f.value}`).join(' · ') || '—'}
              </td>
              <td title={formatDateTime(a.firstFiredAt)}>{formatRelative(a.firstFiredAt)}</td>
              <td title={formatDateTime(a.updatedAt)}>{formatRelative(a.updatedAt)}</td>
              <td>
                {a.acknowledgedBy ? (
                  <>
                    {a.acknowledgedBy}
                    {a.acknowledgedAt && <div className="muted small">{formatRelative(a.acknowledgedAt)}</div>}
                  </>
                ) : (
                  <span className="muted">not acknowledged</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
